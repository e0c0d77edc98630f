/**
 * Each report computed on the small fixed dataset (inserted by the test) in an embedded DuckDB, compared with
 * numbers worked out independently: by hand (literals, see comments) and by plain JS over the fixture.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseReportJob, type ReportJob, type ReportJobInput } from "#events/report-job.schema.js";
import { createDuckDbWarehouse, type DuckDbWarehouse } from "#services/warehouse/duckdb-warehouse.js";
import { generateReport } from "../../generate-report.js";
import {
  type Dataset,
  distinct,
  inRange,
  insertDataset,
  reportBytes,
  reportText,
  round2,
  saleLines,
  smallDataset,
  sum,
} from "../fixtures/small-dataset.js";

const GENERATED_AT = new Date("2025-08-01T10:00:00Z");

function job(reportType: string, parameters: unknown, format = "json"): ReportJob {
  return parseReportJob({
    jobId: `TEST_${reportType}`,
    reportType,
    parameters,
    format,
    requestedAt: "2025-08-03T15:46:08Z",
    requestedBy: "unit-test",
  } as ReportJobInput);
}

interface Doc {
  report_type: string;
  job_id: string;
  generated_at: string;
  parameters: Record<string, unknown>;
  summary: Record<string, unknown>;
  data: Record<string, unknown>[];
}

let warehouse: DuckDbWarehouse;
let data: Dataset;

async function run(
  reportType: string,
  parameters: unknown,
): Promise<{ doc: Doc; rowCount: number; queryIds: string[] }> {
  const report = await generateReport(job(reportType, parameters), warehouse, { generatedAt: GENERATED_AT });
  const doc = JSON.parse(await reportText(report)) as Doc;
  const { rowCount, queryIds } = report.stats();
  return { doc, rowCount, queryIds };
}

const section = (doc: Doc, name: string) =>
  (doc.data.find((s) => s.section === name)?.rows ?? []) as Record<string, unknown>[];

beforeEach(async () => {
  warehouse = createDuckDbWarehouse({ sampleData: false });
  data = smallDataset();
  await insertDataset(warehouse, data);
});
afterEach(async () => {
  await warehouse.close();
});

describe("sales report", () => {
  it("totals July 2025 completed orders and buckets them per week", async () => {
    // Prepare
    const july = saleLines(data).filter(inRange("2025-07-01", "2025-07-31"));
    // Act
    const { doc, rowCount, queryIds } = await run("sales", {
      from: "2025-07-01",
      to: "2025-07-31",
      granularity: "week",
    });
    // Assess: by hand, orders 100 (250) + 101 (180) + 102 (650); 103 cancelled, 106 pending, 104/105 outside
    expect(doc.report_type).toBe("Sales Report");
    expect(doc.job_id).toBe("TEST_sales");
    expect(doc.generated_at).toBe("2025-08-01T10:00:00.000Z");
    expect(doc.summary.total_revenue).toBe(1080);
    expect(doc.summary.total_orders).toBe(3);
    expect(doc.summary.total_units).toBe(13);
    expect(doc.summary.total_margin).toBe(630);
    expect(doc.summary.avg_order_value).toBe(360);
    expect(doc.summary.unique_customers).toBe(2);
    expect(doc.summary.total_revenue).toBe(sum(july.map((l) => l.revenue)));
    // weeks start on Monday: 2025-06-30 (orders 100, 102), 2025-07-14 (order 101)
    expect(doc.data.map((r) => [r.period, r.orders, r.revenue])).toEqual([
      ["2025-06-30", 2, 900],
      ["2025-07-14", 1, 180],
    ]);
    expect(rowCount).toBe(2);
    expect(queryIds).toHaveLength(2);
  });

  it("applies region and category filters and the limit", async () => {
    const expected = saleLines(data).filter(
      (l) =>
        inRange("2025-07-01", "2025-07-31")(l) &&
        l.customer.region === "Europe" &&
        l.product.category === "Hardware",
    );
    const { doc } = await run("sales", {
      from: "2025-07-01",
      to: "2025-07-31",
      granularity: "day",
      regions: ["Europe"],
      categories: ["Hardware", "Garden"],
    });
    expect(doc.summary.total_revenue).toBe(sum(expected.map((l) => l.revenue))); // 200: order 100's widgets
    expect(doc.summary.total_revenue).toBe(200);
    expect(doc.data).toEqual([
      expect.objectContaining({
        period: "2025-07-01",
        orders: 1,
        units: 2,
        revenue: 200,
        margin: 120,
        unique_customers: 1,
      }),
    ]);

    const limited = await run("sales", {
      from: "2025-06-01",
      to: "2025-08-31",
      granularity: "day",
      limit: 2,
    });
    expect(limited.doc.data.map((r) => r.period)).toEqual(["2025-06-28", "2025-07-01"]);
  });
});

describe("customer analysis report", () => {
  it("segments customers by tier with lifetime value and revenue by category", async () => {
    const lines = saleLines(data);
    const july = lines.filter(inRange("2025-07-01", "2025-07-31"));
    const lifetime = (id: number | null) =>
      sum(lines.filter((l) => l.customer.customer_id === id && l.date <= "2025-07-31").map((l) => l.revenue));

    const { doc, rowCount } = await run("customer_analysis", { from: "2025-07-01", to: "2025-07-31" });

    expect(doc.report_type).toBe("Customer Analysis Report");
    // by hand: lifetime to 2025-07-31 = Alpha 430, Beta 850 (incl. June's 200), Gamma 0, Delta 0 -> avg 320
    expect(doc.summary).toEqual({
      total_customers: 4,
      active_customers: 2,
      avg_lifetime_value: 320,
      total_revenue: 1080,
    });
    expect(doc.summary.avg_lifetime_value).toBe(
      round2(sum(data.customers.map((c) => lifetime(c.customer_id))) / 4),
    );

    const customers = section(doc, "customers");
    expect(customers.map((c) => [c.customer_id, c.lifetime_value, c.revenue, c.orders])).toEqual([
      [2, 850, 650, 1],
      [1, 430, 430, 2],
      [3, 0, 0, 0],
      [4, 0, 0, 0],
    ]);
    expect(customers[0]).toMatchObject({ first_order_date: "2025-06-28", last_order_date: "2025-07-03" });
    expect(rowCount).toBe(4);

    const tiers = section(doc, "segmentation_by_tier");
    for (const tier of ["Enterprise", "Premium", "Standard"]) {
      const members = data.customers.filter((c) => c.tier === tier);
      const revenue = sum(july.filter((l) => l.customer.tier === tier).map((l) => l.revenue));
      expect(tiers.find((t) => t.tier === tier)).toMatchObject({
        customers: members.length,
        revenue,
        avg_lifetime_value: round2(sum(members.map((m) => lifetime(m.customer_id))) / members.length),
        revenue_share_pct: round2((revenue * 100) / 1080),
      });
    }
    expect(tiers.map((t) => t.tier)).toEqual(["Enterprise", "Premium", "Standard"]);

    const byCategory = section(doc, "revenue_by_category");
    const expectedPairs = distinct(july.map((l) => `${l.customer.tier}|${l.product.category}`));
    expect(byCategory).toHaveLength(expectedPairs.length);
    for (const pair of expectedPairs) {
      const [tier, category] = pair.split("|");
      const revenue = sum(
        july.filter((l) => l.customer.tier === tier && l.product.category === category).map((l) => l.revenue),
      );
      expect(byCategory).toContainEqual(expect.objectContaining({ tier, category, revenue }));
    }
  });

  it("restricts to the requested tiers", async () => {
    const { doc } = await run("customer_analysis", {
      from: "2025-07-01",
      to: "2025-07-31",
      tiers: ["Standard"],
    });
    expect(doc.summary).toEqual({
      total_customers: 2,
      active_customers: 0,
      avg_lifetime_value: 0,
      total_revenue: 0,
    });
    expect(section(doc, "segmentation_by_tier").map((t) => t.tier)).toEqual(["Standard"]);
  });
});

describe("product performance report", () => {
  it("ranks products by revenue with margin, reach and velocity", async () => {
    const july = saleLines(data).filter(inRange("2025-07-01", "2025-07-31"));
    const { doc } = await run("product_performance", { from: "2025-07-01", to: "2025-07-31" });

    expect(doc.report_type).toBe("Product Performance Report");
    // by hand: Widget 650 (margin 370), Gizmo 250 (200), Consulting Day 180 (60)
    expect(doc.data.map((p) => [p.revenue_rank, p.product_name, p.revenue, p.margin])).toEqual([
      [1, "Widget", 650, 370],
      [2, "Gizmo", 250, 200],
      [3, "Consulting Day", 180, 60],
    ]);
    for (const product of data.products) {
      const mine = july.filter((l) => l.product.product_id === product.product_id);
      const revenue = sum(mine.map((l) => l.revenue));
      const units = sum(mine.map((l) => l.quantity));
      expect(doc.data.find((p) => p.product_id === product.product_id)).toMatchObject({
        units_sold: units,
        orders: distinct(mine.map((l) => l.orderId)).length,
        customers_reached: distinct(mine.map((l) => l.customer.customer_id)).length,
        margin_pct: round2(((revenue - sum(mine.map((l) => l.cost))) * 100) / revenue),
        sales_velocity: Math.round((units / 31) * 10_000) / 10_000,
      });
    }
    const margins = data.products.map((p) => {
      const mine = july.filter((l) => l.product.product_id === p.product_id);
      const revenue = sum(mine.map((l) => l.revenue));
      return ((revenue - sum(mine.map((l) => l.cost))) * 100) / revenue;
    });
    expect(doc.summary).toEqual({
      total_products: 3,
      products_sold: 3,
      top_product: "Widget",
      total_revenue: 1080,
      avg_margin: round2(sum(margins) / 3), // (56.92 + 80 + 33.33) / 3 = 56.75
    });
    expect(doc.summary.avg_margin).toBe(56.75);
  });

  it("keeps unsold products in the ranking with zero revenue, filtered by category", async () => {
    const { doc } = await run("product_performance", {
      from: "2025-08-01",
      to: "2025-08-31",
      categories: ["Hardware", "Software"],
    });
    // August: only order 104 (2 Gizmos, 100)
    expect(doc.data.map((p) => [p.product_name, p.revenue, p.units_sold])).toEqual([
      ["Gizmo", 100, 2],
      ["Widget", 0, 0],
    ]);
    expect(doc.summary).toMatchObject({
      total_products: 2,
      products_sold: 1,
      top_product: "Gizmo",
      avg_margin: 80,
    });
  });
});

describe("executive dashboard report", () => {
  it("reports KPIs with growth against the previous equally long period", async () => {
    const { doc, rowCount } = await run("executive_dashboard", {
      from: "2025-07-01",
      to: "2025-07-31",
      granularity: "month",
    });
    expect(doc.report_type).toBe("Executive Dashboard");
    // previous period 2025-05-31..2025-06-30: order 105 = 200; growth (1080 - 200) / 200 = 440 %
    expect(doc.summary).toMatchObject({
      total_revenue: 1080,
      previous_revenue: 200,
      revenue_growth_pct: 440,
      total_orders: 3,
      active_customers: 2,
      avg_order_value: 360,
      gross_margin: 630,
      gross_margin_pct: round2((630 * 100) / 1080),
      previous_period: { from: "2025-05-31", to: "2025-06-30" },
    });
    expect(section(doc, "kpi_trend")).toEqual([
      {
        period: "2025-07-01",
        revenue: 1080,
        margin: 630,
        orders: 3,
        active_customers: 2,
        avg_order_value: 360,
      },
    ]);
    expect(rowCount).toBe(1);
    expect(section(doc, "revenue_by_region").map((r) => [r.region, r.revenue])).toEqual([
      ["North America", 650],
      ["Europe", 430],
    ]);
    expect(section(doc, "revenue_by_tier").map((r) => [r.tier, r.revenue])).toEqual([
      ["Enterprise", 430],
      ["Premium", 650],
    ]);
    expect(section(doc, "revenue_by_category").map((r) => [r.category, r.revenue])).toEqual([
      ["Hardware", 650],
      ["Software", 250],
      ["Services", 180],
    ]);
  });
});

describe("connectivity test report", () => {
  it("round-trips to the warehouse and reports version and latency", async () => {
    const { doc, queryIds } = await run("connectivity_test", {});
    expect(doc.report_type).toBe("Connectivity Test Report");
    expect(doc.summary).toMatchObject({
      status: "connected",
      database: "analytics_platform",
      reporting_readable: true,
    });
    expect(doc.summary.warehouse_version).toMatch(/^v\d+\.\d+/);
    expect(doc.summary.query_latency_ms).toEqual(expect.any(Number));
    expect(queryIds[0]).toMatch(/^duckdb-/);
  });
});

describe("export formats", () => {
  it("renders the primary table as CSV and NDJSON with a row count", async () => {
    const params = { from: "2025-07-01", to: "2025-07-31" };
    const csv = await generateReport(job("product_performance", params, "csv"), warehouse, {
      generatedAt: GENERATED_AT,
    });
    expect(csv.contentType).toBe("text/csv");
    expect(csv.extension).toBe("csv");
    const lines = (await reportText(csv)).trimEnd().split("\r\n");
    expect(lines[0]).toBe(
      "revenue_rank,product_id,product_name,category,list_price,units_sold,orders,revenue,margin,margin_pct,customers_reached,sales_velocity",
    );
    expect(lines[1]).toMatch(/^1,10,Widget,Hardware,100,7,2,650,370,/);
    expect(lines).toHaveLength(4);
    expect(csv.stats().rowCount).toBe(3);
    expect(csv.stats().summary.top_product).toBe("Widget");

    const nd = await generateReport(job("customer_analysis", params, "ndjson"), warehouse, {
      generatedAt: GENERATED_AT,
    });
    expect(nd.contentType).toBe("application/x-ndjson");
    const rows = (await reportText(nd))
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((r) => r.customer_id)).toEqual([2, 1, 3, 4]);
    expect(nd.stats().rowCount).toBe(4);
    await expect(reportText(nd)).rejects.toThrow(/once/);
  });
});

describe("exact money", () => {
  it("keeps a revenue no double can hold exact in the document and the CSV (the decimal string)", async () => {
    // Prepare: one sale of 1,000,001 units at 9,999,999,999.99 in a region of its own
    await insertDataset(warehouse, {
      customers: [{ customer_id: 9, customer_name: "Omega", tier: "Enterprise", region: "Antarctica" }],
      products: [],
      orders: [{ order_id: 900, customer_id: 9, order_date: "2025-07-10", status: "completed" }],
      lines: [
        {
          order_line_id: 9000,
          order_id: 900,
          product_id: 10,
          quantity: 1_000_001,
          unit_price: 9_999_999_999.99,
        },
      ],
    });
    const params = { from: "2025-07-01", to: "2025-07-31", regions: ["Antarctica"] };
    // Act
    const { doc } = await run("sales", params);
    const csv = await generateReport(job("sales", params, "csv"), warehouse, { generatedAt: GENERATED_AT });
    const lines = (await reportText(csv)).trimEnd().split("\r\n");
    // Assess: 1000001 x 9999999999.99 = 10000009999989999.99 exactly (the nearest double: 10000009999990000)
    expect(doc.summary.total_revenue).toBe("10000009999989999.99");
    expect(doc.data[0]?.revenue).toBe("10000009999989999.99");
    expect(lines[1]).toContain(",10000009999989999.99,");
    expect(doc.summary.total_orders).toBe(1);
  });
});

describe("parquet export", () => {
  /** The Parquet file's rows as DuckDB reads them (read_parquet), and the column types it sees. */
  async function readParquet(bytes: Buffer) {
    const dir = mkdtempSync(join(tmpdir(), "parquet-test-"));
    try {
      const path = join(dir, "report.parquet");
      writeFileSync(path, bytes);
      const { rows } = await warehouse.query(`SELECT * FROM read_parquet('${path}')`);
      const described = await warehouse.query(`DESCRIBE SELECT * FROM read_parquet('${path}')`);
      return { rows, types: Object.fromEntries(described.rows.map((r) => [r.column_name, r.column_type])) };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const ndjsonRows = async (reportType: string, params: unknown) =>
    (
      await reportText(
        await generateReport(job(reportType, params, "ndjson"), warehouse, { generatedAt: GENERATED_AT }),
      )
    )
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  it("writes a warehouse query's table as Parquet through DuckDB's COPY: the NDJSON rows, DECIMALs as DECIMAL", async () => {
    const params = { from: "2025-07-01", to: "2025-07-31" };
    const report = await generateReport(job("product_performance", params, "parquet"), warehouse, {
      generatedAt: GENERATED_AT,
    });
    expect(report.kind).toBe("file");
    expect(report.contentType).toBe("application/vnd.apache.parquet");
    expect(report.extension).toBe("parquet");

    const { rows, types } = await readParquet(await reportBytes(report));

    expect(report.stats().rowCount).toBe(3);
    expect(rows).toEqual(await ndjsonRows("product_performance", params));
    expect(types.revenue).toMatch(/^DECIMAL\(/);
  });

  it("writes rows the report computed in memory (data_quality) with the JS writer, types read off the values", async () => {
    const report = await generateReport(job("data_quality", {}, "parquet"), warehouse, {
      generatedAt: GENERATED_AT,
    });
    expect(report.kind).toBe("stream");

    const { rows, types } = await readParquet(await reportBytes(report));

    expect(rows.length).toBe(report.stats().rowCount);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows).toEqual(await ndjsonRows("data_quality", {}));
    expect(types.check).toBe("VARCHAR");
    expect(types.failed_count).toBe("DOUBLE");
  });
});
