import { describe, expect, it } from "vitest";
import { parseStartArgs } from "../../main.js";
import { changeLine, type JobProgress, progressLines, summaryLines, treeLines } from "../../progress.js";

const jobs: JobProgress[] = [
  { jobId: "A_1", reportType: "sales", state: "notified", seconds: 1.5, rows: 13, bytes: 2737 },
  { jobId: "B_22", reportType: "data_quality", state: "running", seconds: 0.4 },
];

describe("npm start output", () => {
  it("draws each job's progress along the pipeline steps", () => {
    const lines = progressLines(jobs, 1.5);

    expect(lines[0]).toBe("reference workflow: 1/2 done, 1.5 s");
    expect(lines[1]).toContain("queued → running → generated → organized → notified");
    expect(lines[2]).toContain("queued → running → ········· → ········· → ········");
  });

  it("prints a plain line per change, with the error when there is one", () => {
    expect(
      changeLine({ jobId: "X", reportType: "sales", state: "failed", seconds: 2, error: "E: boom" }),
    ).toBe("[  2.0 s] X sales: failed (E: boom)");
  });

  it("summarises jobs as a table with outcome, rows, bytes and seconds", () => {
    const [header, rule, first, second] = summaryLines(jobs);

    expect(header).toMatch(/^JOB\s+TYPE\s+OUTCOME\s+ROWS\s+BYTES\s+SECONDS$/);
    expect(rule).toMatch(/^-+/);
    expect(first).toMatch(/^A_1\s+sales\s+succeeded\s+13\s+2737\s+1\.50$/);
    expect(second).toMatch(/^B_22\s+data_quality\s+running\s+-\s+-\s+0\.40$/);
  });

  it("draws the reports tree by category, leaving out the index and the pointers", () => {
    const lines = treeLines([
      { key: "reports/sales/S_1.json", size: 10 },
      { key: "reports/sales/C_1.json", size: 5 },
      { key: "reports/sales/latest.json", size: 1 },
      { key: "reports/_index/2025-08-03.json", size: 1 },
      { key: "reports/quality/Q_1.json", size: 7 },
    ]);

    expect(lines.slice(0, 6)).toEqual([
      "reports/",
      "├── quality/",
      "│   └── Q_1.json (7 bytes)",
      "└── sales/",
      "    ├── C_1.json (5 bytes)",
      "    └── S_1.json (10 bytes)",
    ]);
  });
});

describe("parseStartArgs", () => {
  it("reads --keep, --prefix and --timeout, and names a bad option", () => {
    expect(parseStartArgs(["--keep", "--prefix", "demo", "--timeout", "30"])).toMatchObject({
      keep: true,
      prefix: "demo",
      timeoutSeconds: 30,
    });
    expect(() => parseStartArgs(["--timeout", "soon"])).toThrow(/--timeout/);
    expect(() => parseStartArgs(["--prefix", "../x"])).toThrow(/prefix/);
    expect(() => parseStartArgs(["--fast"])).toThrow(/unknown option --fast/);
  });
});
