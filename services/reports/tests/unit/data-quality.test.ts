/** data_quality on the fixed dataset: clean data passes; planted defects fail with the right counts. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseReportJob } from "#events/report-job.schema.js";
import { createDuckDbWarehouse, type DuckDbWarehouse } from "#services/warehouse/duckdb-warehouse.js";
import { generateReport } from "../../generate-report.js";
import { type Dataset, insertDataset, reportText, smallDataset } from "../fixtures/small-dataset.js";

interface Check {
  check: string;
  check_type: string;
  status: string;
  failed_count: number;
  observed_value: number | null;
}

let warehouse: DuckDbWarehouse;

async function dataQuality(data: Dataset, generatedAt: Date, freshnessHours = 24) {
  await insertDataset(warehouse, data);
  const job = parseReportJob({
    jobId: "DQ_1",
    reportType: "data_quality",
    parameters: { freshnessHours },
    requestedAt: "2025-08-01T10:00:00Z",
    requestedBy: "unit-test",
  });
  const report = await generateReport(job, warehouse, { generatedAt });
  const doc = JSON.parse(await reportText(report)) as { summary: Record<string, unknown>; data: Check[] };
  return { doc, byName: new Map(doc.data.map((c) => [c.check, c])) };
}

beforeEach(() => {
  warehouse = createDuckDbWarehouse({ sampleData: false });
});
afterEach(async () => {
  await warehouse.close();
});

describe("data quality report", () => {
  it("passes every check on clean, fresh data", async () => {
    // fixture rows are loaded at 2025-08-01 00:00; ten hours later with a 24 h limit they are fresh
    const { doc } = await dataQuality(smallDataset(), new Date("2025-08-01T10:00:00Z"));
    expect(doc.data.filter((c) => c.status !== "pass")).toEqual([]);
    expect(new Set(doc.data.map((c) => c.check_type))).toEqual(
      new Set(["null", "duplicate", "referential", "validity", "freshness"]),
    );
    expect(doc.summary).toMatchObject({ status: "pass", failed_checks: 0, quality_score: 100 });
    expect(doc.data.find((c) => c.check === "orders fresh")?.observed_value).toBe(10);
  });

  it("fails the checks whose defects were planted, with the right counts", async () => {
    // Prepare: plant defects
    const data = smallDataset();
    data.customers.push({
      customer_id: 2,
      customer_name: "Beta Inc (again)",
      tier: "Premium",
      region: "Europe",
    });
    data.customers.push({ customer_id: 2, customer_name: "Beta Inc (thrice)", tier: "Gold", region: null });
    data.orders.push({ order_id: 107, customer_id: 99, order_date: "2025-07-05", status: "completed" });
    data.orders.push({ order_id: 108, customer_id: 98, order_date: "2025-07-06", status: "completed" });
    data.lines.push({ order_line_id: 1009, order_id: 107, product_id: null, quantity: 1, unit_price: 10 });
    data.lines.push({ order_line_id: 1010, order_id: 555, product_id: 10, quantity: 0, unit_price: 10 });
    // Act
    const { doc, byName } = await dataQuality(data, new Date("2025-08-01T10:00:00Z"));
    // Assess
    const failed = Object.fromEntries(
      doc.data.filter((c) => c.status === "fail").map((c) => [c.check, c.failed_count]),
    );
    expect(failed).toEqual({
      "customers.customer_id unique": 2, // three rows for key 2 -> two extra
      "customers.region not null": 1,
      "customers.tier in (Enterprise, Premium, Standard)": 1,
      "orders.customer_id references customers": 2, // 99 and 98
      "order_lines.product_id not null": 1,
      "order_lines.order_id references orders": 1, // 555
      "order_lines.quantity positive": 1,
    });
    expect(byName.get("order_lines.product_id references products")?.status).toBe("pass"); // NULL is not an orphan
    expect(doc.summary).toMatchObject({ status: "fail", failed_checks: 7, total_checks: doc.data.length });
  });

  it("fails freshness when the newest row is older than freshnessHours", async () => {
    const { byName, doc } = await dataQuality(smallDataset(), new Date("2025-08-03T00:00:00Z"), 24);
    expect(byName.get("orders fresh")).toMatchObject({ status: "fail", failed_count: 1, observed_value: 48 });
    expect(doc.data.filter((c) => c.check_type === "freshness").every((c) => c.status === "fail")).toBe(true);
  });

  it("fails freshness for an empty table", async () => {
    const data = smallDataset();
    data.lines = [];
    const { byName } = await dataQuality(data, new Date("2025-08-01T01:00:00Z"));
    expect(byName.get("order_lines fresh")?.status).toBe("fail");
    expect(byName.get("orders fresh")?.status).toBe("pass");
  });
});
