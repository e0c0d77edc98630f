import { describe, expect, it } from "vitest";
import type { JobStatus } from "#services/status/job-status.js";
import type { CliContext } from "../../context.js";
import { EXIT } from "../../errors.js";
import { run } from "../../main.js";
import { formatReplay, formatStatus, replayRange } from "../../status-format.js";

/** A context with no AWS: any AWS use fails the test, so these runs prove input is checked first. */
function offlineContext(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CliContext = {
    env,
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    now: () => new Date("2025-08-03T15:46:08Z"),
    readFile: () => {
      throw new Error("unexpected file read");
    },
    signal: new AbortController().signal,
    exitCode: 0,
    aws: () => {
      throw new Error("unexpected AWS use");
    },
  };
  return { ctx, out, err };
}

describe("reports status / replay arguments", () => {
  it.each([
    [["status", "../etc"], "jobId:"],
    [["status", "x".repeat(129)], "jobId:"],
    [["status", "JOB_1", "--bucket", "Not_A_Bucket"], "--bucket:"],
    [["status", "JOB_1", "--prefix", "bad prefix!"], "--prefix:"],
    [["status"], "missing required argument"],
    [["replay", "--to", "2025-08-01"], "--from: is required"],
    [["replay", "--from", "2025-08-01"], "--to: is required"],
    [["replay", "--from", "2025-02-30", "--to", "2025-03-01"], "--from: must be a date YYYY-MM-DD"],
    [["replay", "--from", "2025-08-02", "--to", "2025-08-01"], "--to: must be on or after from"],
    [["replay", "--from", "2024-01-01", "--to", "2025-01-01"], "--to: the range covers 367 days"],
  ])("%j exits 2 naming the field, before any AWS call", async (argv, message) => {
    const { ctx, err } = offlineContext();

    const code = await run(argv, ctx);

    expect(code).toBe(EXIT.usage);
    expect(err.join("\n")).toContain(message);
  });

  it.each([
    ["REPORTS_BUCKET", "UPPER"],
    ["REPORTS_PREFIX", "no spaces"],
    ["AWS_REGION", "Mars"],
  ])("a bad %s in the environment exits 2 naming the variable", async (name, value) => {
    const { ctx, err } = offlineContext({ [name]: value });

    expect(await run(["status", "JOB_1"], ctx)).toBe(EXIT.usage);
    expect(err.join("\n")).toContain(`${name}:`);
  });

  it("documents the exit codes and options in --help", async () => {
    const status = offlineContext();
    const replay = offlineContext();

    expect(await run(["status", "--help"], status.ctx)).toBe(0);
    expect(await run(["replay", "--help"], replay.ctx)).toBe(0);

    expect(status.out.join("\n")).toMatch(/<jobId>[\s\S]*3 no event of the job is known[\s\S]*--json/);
    expect(replay.out.join("\n")).toMatch(/--from[\s\S]*--to[\s\S]*--dry-run[\s\S]*--bucket/);
  });

  it("replayRange returns the validated range", () => {
    expect(replayRange({ from: "2025-08-01", to: "2025-08-01" })).toEqual({
      from: "2025-08-01",
      to: "2025-08-01",
    });
  });
});

const failedStatus: JobStatus = {
  jobId: "JOB_F",
  reportType: "sales",
  state: "failed",
  attempts: 2,
  timestamps: { started: "2025-08-03T15:46:09.000Z", failed: "2025-08-03T15:46:12.000Z" },
  error: { code: "WAREHOUSE_UNAVAILABLE", message: "no answer", retryable: true },
  events: [
    {
      time: "2025-08-03T15:46:09.000Z",
      detailType: "ReportStarted",
      eventId: "11111111-1111-5111-8111-111111111111",
    },
  ],
};

describe("formatStatus", () => {
  it("shows state, attempts, the error with its code, timestamps and events", () => {
    const text = formatStatus(failedStatus).join("\n");

    expect(text).toMatch(/^job +JOB_F$/m);
    expect(text).toMatch(/^state +failed$/m);
    expect(text).toMatch(/^attempts +2$/m);
    expect(text).toMatch(/^error +WAREHOUSE_UNAVAILABLE \(retryable\): no answer$/m);
    expect(text).toMatch(/^failed at +2025-08-03T15:46:12.000Z$/m);
    expect(text).toContain("ReportStarted");
  });

  it("says a running job with a failure is retrying, and shows the report key once organized", () => {
    const running = formatStatus({ ...failedStatus, state: "running" }).join("\n");
    const done = formatStatus({
      ...failedStatus,
      state: "notified",
      finalKey: "reports/sales/JOB_F_sales_20250803_154608.json",
      timestamps: {},
      notification: [{ channel: "sns", outcome: "delivered" }],
    }).join("\n");

    expect(running).toMatch(/^state +running, retrying after WAREHOUSE_UNAVAILABLE$/m);
    expect(running).toMatch(/^last error +WAREHOUSE_UNAVAILABLE/m);
    expect(done).toMatch(/^report +reports\/sales\/JOB_F_sales_20250803_154608.json$/m);
    expect(done).toMatch(/^notified +sns delivered$/m);
  });
});

describe("formatReplay", () => {
  it("ends with the number of documents changed", () => {
    const lines = formatReplay({
      from: "2025-08-01",
      to: "2025-08-02",
      dryRun: true,
      daysScanned: 3,
      events: 4,
      entries: 4,
      documentsChecked: 3,
      changed: 1,
      changedKeys: ["reports/_index/2025-08-01.json"],
    });

    expect(lines.at(-1)).toBe("changed: 1");
    expect(lines.join("\n")).toContain("would rewrite 1");
  });
});
