import { describe, expect, it } from "vitest";
import { ValidationError } from "#events/errors.js";
import { REPORT_GENERATED_EXAMPLE, REPORT_ORGANIZED_EXAMPLE } from "#events/report-events.schema.js";
import type { IndexEntry } from "#services/reports/report-index.js";
import { indexEntryOf } from "#services/reports/report-index.js";
import { daysOfRange, entryOfOrganized, MAX_REPLAY_DAYS, planDocuments } from "../../replay.js";

const entry = (key: string, generatedAt: string, category: IndexEntry["category"] = "sales"): IndexEntry => ({
  key,
  jobId: key,
  reportType: "sales",
  category,
  format: "json",
  sizeBytes: 1,
  sha256: "0".repeat(64),
  rowCount: 1,
  generatedAt,
});

function validationError(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error("expected a ValidationError");
}

describe("daysOfRange", () => {
  it("lists every day of the range, inclusive, across a month end", () => {
    expect(daysOfRange({ from: "2025-07-30", to: "2025-08-02" })).toEqual([
      "2025-07-30",
      "2025-07-31",
      "2025-08-01",
      "2025-08-02",
    ]);
  });

  it("accepts exactly the maximum and refuses one day more, naming `to`", () => {
    expect(daysOfRange({ from: "2024-01-01", to: "2024-12-31" })).toHaveLength(MAX_REPLAY_DAYS);

    const e = validationError(() => daysOfRange({ from: "2024-01-01", to: "2025-01-01" }));

    expect(e.fields).toEqual(["to"]);
    expect(e.message).toContain("367 days");
  });

  it.each([
    [{ from: "2025-02-30", to: "2025-03-01" }, "from"],
    [{ from: "2025-08-01", to: "yesterday" }, "to"],
    [{ from: "2025-08-02", to: "2025-08-01" }, "to"],
  ])("refuses %j naming %s", (range, field) => {
    expect(validationError(() => daysOfRange(range)).fields).toEqual([field]);
  });
});

describe("entryOfOrganized", () => {
  it("gives the entry the organizer recorded from the matching ReportGenerated", () => {
    const organized = { ...REPORT_ORGANIZED_EXAMPLE };
    const generated = { ...REPORT_GENERATED_EXAMPLE, generatedAt: organized.generatedAt };

    expect(JSON.stringify(entryOfOrganized(organized))).toBe(
      JSON.stringify(indexEntryOf(generated, organized.finalKey)),
    );
  });
});

describe("planDocuments", () => {
  it("files entries under the day they were generated and skips days outside the range", () => {
    const plan = planDocuments(
      [
        entry("reports/sales/b.json", "2025-08-01T10:00:00.000Z"),
        entry("reports/sales/a.json", "2025-08-01T23:59:59.900Z"),
        entry("reports/customers/c.json", "2025-08-02T00:00:01.000Z", "customers"),
        entry("reports/sales/late.json", "2025-08-03T08:00:00.000Z"),
      ],
      ["2025-08-01", "2025-08-02"],
    );

    expect([...plan.indexes.keys()]).toEqual([
      "reports/_index/2025-08-01.json",
      "reports/_index/2025-08-02.json",
    ]);
    expect(plan.indexes.get("reports/_index/2025-08-01.json")?.entries.map((e) => e.key)).toEqual([
      "reports/sales/b.json",
      "reports/sales/a.json",
    ]);
    expect([...plan.pointers.keys()].sort()).toEqual(["customers", "sales"]);
  });
});
