/**
 * Date filters prune: for every report type with a date range, each statement the report runs is EXPLAINed
 * on DuckDB (with the report's own binds) and the plan must read the sales tables through their
 * materialised, date-clustered processed tables with the range's date predicate inside the table scan,
 * never through a scan of the raw tables (what the de-duplicating views made every report do).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DATE_RANGE_LIMIT_DAYS,
  parseReportJob,
  type ReportJobInput,
  rangeDays,
} from "#events/report-job.schema.js";
import { createDuckDbWarehouse, type DuckDbWarehouse } from "#services/warehouse/duckdb-warehouse.js";
import { generateReport } from "../../generate-report.js";
import type { QueryOptions, Warehouse } from "../../warehouse.port.js";
import { reportText } from "../fixtures/small-dataset.js";

interface PlanNode {
  name: string;
  children: PlanNode[];
  extra_info?: { Table?: string; Filters?: string | string[] };
}
interface Scan {
  table: string;
  filters: string;
}

const FROM = "2025-07-01";
const TO = "2025-07-31";
/** The tables behind reporting.sales_lines that a date filter can prune. */
const DATED_TABLES = ["processed.orders", "processed.order_lines"];

function shiftDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** The warehouse the report runs on, remembering every statement and its binds. */
function recording(inner: Warehouse, seen: { sql: string; binds: readonly unknown[] }[]): Warehouse {
  return {
    query(sql: string, binds: readonly unknown[] = [], options?: QueryOptions) {
      seen.push({ sql, binds });
      return inner.query(sql, binds, options);
    },
    stream(sql: string, binds: readonly unknown[] = [], options?: QueryOptions) {
      seen.push({ sql, binds });
      return inner.stream(sql, binds, options);
    },
    ping: () => inner.ping(),
    close: () => Promise.resolve(),
  };
}

function scans(node: PlanNode, out: Scan[] = []): Scan[] {
  if (node.name.includes("SCAN") && node.extra_info?.Table !== undefined) {
    const filters = node.extra_info.Filters ?? [];
    out.push({
      table: node.extra_info.Table.replace(/^analytics_platform\./, ""),
      filters: Array.isArray(filters) ? filters.join(" AND ") : filters,
    });
  }
  for (const child of node.children) scans(child, out);
  return out;
}

async function planScans(warehouse: Warehouse, sql: string, binds: readonly unknown[]): Promise<Scan[]> {
  const { rows } = await warehouse.query(`EXPLAIN (FORMAT JSON) ${sql}`, binds);
  const plan = JSON.parse(String(rows[0]?.explain_value)) as PlanNode[];
  return plan.flatMap((node) => scans(node));
}

let warehouse: DuckDbWarehouse;
beforeAll(() => {
  warehouse = createDuckDbWarehouse();
});
afterAll(async () => {
  await warehouse.close();
});

describe("date filters reach the table scans", () => {
  it.each(Object.keys(DATE_RANGE_LIMIT_DAYS))(
    "%s: every dated scan carries the range's predicate",
    async (type) => {
      // Prepare: the report as a job, run on a warehouse that records its statements
      const seen: { sql: string; binds: readonly unknown[] }[] = [];
      const job = parseReportJob({
        jobId: `PRUNE_${type}`,
        reportType: type,
        parameters: { from: FROM, to: TO },
        format: "json",
        requestedAt: "2025-08-03T15:46:08Z",
        requestedBy: "unit-test",
      } as ReportJobInput);
      const report = await generateReport(job, recording(warehouse, seen), {
        generatedAt: new Date("2025-08-01T10:00:00Z"),
      });
      await reportText(report);

      // Act: the plan of each statement the report ran
      const plans = await Promise.all(seen.map((s) => planScans(warehouse, s.sql, s.binds)));

      // Assess: raw is never scanned; every scan of a dated table filters order_date to a window ending by
      // `to`, starting no earlier than one range length before `from` (executive_dashboard compares with the
      // period before) unless the statement needs all history up to `to` (customer lifetime value)
      const earliest = shiftDays(FROM, -rangeDays(FROM, TO));
      expect(plans.length).toBeGreaterThan(0);
      for (const [i, plan] of plans.entries()) {
        const statement = seen[i]?.sql ?? "";
        expect(
          plan.filter((s) => s.table.startsWith("raw.")),
          statement,
        ).toEqual([]);
        const dated = plan.filter((s) => DATED_TABLES.includes(s.table));
        expect(dated.map((s) => s.table).sort(), statement).toEqual(expect.arrayContaining(DATED_TABLES));
        const lifetime = /order_date <= CAST\(\? AS DATE\) THEN/.test(statement);
        for (const scan of dated) {
          const where = `${scan.table} in ${statement}`;
          const upper = /order_date<='(\d{4}-\d{2}-\d{2})'::DATE/.exec(scan.filters)?.[1];
          const lower = /order_date>='(\d{4}-\d{2}-\d{2})'::DATE/.exec(scan.filters)?.[1];
          expect(upper, where).toBeDefined();
          expect((upper ?? "") <= TO, where).toBe(true);
          if (!lifetime) {
            expect(lower, where).toBeDefined();
            expect((lower ?? "") >= earliest, where).toBe(true);
          }
        }
        expect(
          dated.some((s) => s.filters.includes(`order_date<='${TO}'::DATE`)),
          statement,
        ).toBe(true);
      }
    },
  );
});
