/** Input that must never reach the warehouse as SQL, and errors that must carry the right retryable flag. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ReportJob } from "#events/report-job.schema.js";
import { createDuckDbWarehouse, type DuckDbWarehouse } from "#services/warehouse/duckdb-warehouse.js";
import { WarehouseQueryError, WarehouseUnavailableError } from "#services/warehouse/errors.js";
import { InvalidParametersError, UnknownReportTypeError } from "../../errors.js";
import { generateReport } from "../../generate-report.js";
import type { QueryOptions, Warehouse } from "../../warehouse.port.js";
import { insertDataset, reportText, smallDataset } from "../fixtures/small-dataset.js";

const INJECTION = "'; DROP TABLE raw.customers; --";
const OPTIONS = { generatedAt: new Date("2025-08-01T10:00:00Z") };

/** A job as the worker might hand it over, bypassing the schema (to prove generateReport re-checks). */
const rawJob = (reportType: string, parameters: unknown, format = "json") =>
  ({
    schemaVersion: 1,
    jobId: "ERR_1",
    reportType,
    parameters,
    format,
    requestedAt: "2025-08-03T15:46:08Z",
    requestedBy: "unit-test",
  }) as unknown as ReportJob;

let warehouse: DuckDbWarehouse;
beforeEach(async () => {
  warehouse = createDuckDbWarehouse({ sampleData: false });
  await insertDataset(warehouse, smallDataset());
});
afterEach(async () => {
  await warehouse.close();
});

describe("parameters are bound, never executed", () => {
  it("treats a SQL-injection string in a filter as data and leaves the table intact", async () => {
    // Prepare: a customer whose region really is the hostile string, with one completed July order
    await warehouse.query(
      "INSERT INTO raw.customers (customer_id, customer_name, tier, region, loaded_at) VALUES (?, ?, ?, ?, TIMESTAMP '2025-08-01 00:00:00')",
      [77, "Mallory", "Standard", INJECTION],
    );
    await warehouse.query("INSERT INTO raw.orders VALUES (777, 77, DATE '2025-07-09', 'completed', NULL)");
    await warehouse.query("INSERT INTO raw.order_lines VALUES (7777, 777, 20, 3, 50, NULL)");
    await warehouse.refreshProcessed();
    // Act
    const report = await generateReport(
      rawJob("sales", { from: "2025-07-01", to: "2025-07-31", regions: [INJECTION] }),
      warehouse,
      OPTIONS,
    );
    const doc = JSON.parse(await reportText(report)) as { summary: Record<string, unknown> };
    // Assess: the filter matched exactly Mallory's order (3 x 50), and raw.customers survived
    expect(doc.summary.total_revenue).toBe(150);
    expect(doc.summary.total_orders).toBe(1);
    const { rows } = await warehouse.query("SELECT COUNT(*) AS n FROM raw.customers");
    expect(rows[0]?.n).toBe(5);
  });

  it("rejects a hostile value where the schema allows none (dates) before any query runs", async () => {
    const calls: string[] = [];
    const spy: Warehouse = {
      query: async (sql: string) => {
        calls.push(sql);
        return { rows: [], queryId: "x" };
      },
      stream: () => {
        throw new Error("unexpected");
      },
      ping: async () => {},
      close: async () => {},
    };
    const error = await generateReport(
      rawJob("sales", { from: INJECTION, to: "2025-07-31" }),
      spy,
      OPTIONS,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidParametersError);
    expect((error as InvalidParametersError).fields).toContain("parameters.from");
    expect(calls).toEqual([]);
  });
});

describe("generateReport errors", () => {
  it("rejects an unknown report type as not retryable, naming reportType", async () => {
    const error = await generateReport(rawJob("payroll", {}), warehouse, OPTIONS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownReportTypeError);
    expect(error).toMatchObject({ code: "UNKNOWN_REPORT_TYPE", retryable: false, fields: ["reportType"] });
    expect((error as Error).message).toContain("reportType");
  });

  it("does not treat inherited object keys as report types", async () => {
    await expect(generateReport(rawJob("constructor", {}), warehouse, OPTIONS)).rejects.toBeInstanceOf(
      UnknownReportTypeError,
    );
  });

  it.each([
    [{ from: "2025-07-31", to: "2025-07-01" }, "parameters.to"],
    [{ from: "2025-02-30", to: "2025-03-01" }, "parameters.from"],
    [{ from: "2025-07-01", to: "2025-07-31", limit: 0 }, "parameters.limit"],
    [{ from: "2025-07-01", to: "2025-07-31", granularity: "hour" }, "parameters.granularity"],
    [{ from: "2025-07-01", to: "2025-07-31", sql: "SELECT 1" }, "parameters"],
  ])("rejects invalid sales parameters %j naming %s", async (parameters, field) => {
    const error = await generateReport(rawJob("sales", parameters), warehouse, OPTIONS).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidParametersError);
    expect(error).toMatchObject({ code: "INVALID_PARAMETERS", retryable: false });
    expect((error as InvalidParametersError).fields).toContain(field);
    expect((error as Error).message).toContain(field);
  });

  it("rejects an unknown format naming format", async () => {
    const error = await generateReport(rawJob("connectivity_test", {}, "xlsx"), warehouse, OPTIONS).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "INVALID_PARAMETERS", retryable: false, fields: ["format"] });
  });

  it("propagates warehouse errors with their retryable flag and tags every query with the job id", async () => {
    const tags: (string | undefined)[] = [];
    const failing = (error: Error): Warehouse => ({
      query: async (_sql: string, _binds?: readonly unknown[], options?: QueryOptions) => {
        tags.push(options?.tag);
        throw error;
      },
      stream: () => {
        throw error;
      },
      ping: async () => {},
      close: async () => {},
    });
    const unavailable = new WarehouseUnavailableError("warehouse suspended");
    await expect(
      generateReport(
        rawJob("sales", { from: "2025-07-01", to: "2025-07-31" }),
        failing(unavailable),
        OPTIONS,
      ),
    ).rejects.toMatchObject({ retryable: true, code: "WAREHOUSE_UNAVAILABLE" });
    const compile = new WarehouseQueryError("SQL compilation error");
    await expect(
      generateReport(
        rawJob("customer_analysis", { from: "2025-07-01", to: "2025-07-31" }),
        failing(compile),
        OPTIONS,
      ),
    ).rejects.toMatchObject({ retryable: false, code: "WAREHOUSE_QUERY_FAILED" });
    expect(tags.length).toBeGreaterThan(0);
    expect(new Set(tags)).toEqual(new Set(["ERR_1"]));
  });

  it("passes the job id as tag, the timeout and a resume key per statement to streamed queries too", async () => {
    const seen: QueryOptions[] = [];
    const recording: Warehouse = {
      query: async (sql, binds, options) => {
        seen.push(options ?? {});
        return warehouse.query(sql, binds, options);
      },
      stream: (sql, binds, options) => {
        seen.push(options ?? {});
        return warehouse.stream(sql, binds, options);
      },
      ping: () => warehouse.ping(),
      close: async () => {},
    };
    const report = await generateReport(
      rawJob("sales", { from: "2025-07-01", to: "2025-07-31" }, "csv"),
      recording,
      {
        ...OPTIONS,
        timeoutMs: 5_000,
      },
    );
    await reportText(report);
    expect(seen).toEqual([
      {
        tag: "ERR_1",
        timeoutMs: 5_000,
        resumeKey: expect.stringMatching(/^ERR_1\/sales_summary-[0-9a-f]{16}$/),
      },
      { tag: "ERR_1", timeoutMs: 5_000, resumeKey: expect.stringMatching(/^ERR_1\/sales-[0-9a-f]{16}$/) },
    ]);
    expect(report.stats().queryIds).toHaveLength(2);

    // the same job again names the same statements (a redelivery re-attaches); other parameters do not
    const again: QueryOptions[] = [];
    const other: QueryOptions[] = [];
    for (const [list, to] of [
      [again, "2025-07-31"],
      [other, "2025-07-30"],
    ] as const) {
      const w: Warehouse = {
        ...recording,
        query: async (sql, binds, options) => {
          list.push(options ?? {});
          return warehouse.query(sql, binds, options);
        },
      };
      await generateReport(rawJob("sales", { from: "2025-07-01", to }, "json"), w, OPTIONS);
    }
    expect(again[0]?.resumeKey).toBe(seen[0]?.resumeKey);
    expect(other[0]?.resumeKey).not.toBe(seen[0]?.resumeKey);
  });
});
