import { describe, expect, it } from "vitest";
import { terminalOutcome, timeoutSeconds } from "../../commands/submit.js";
import type { CliContext } from "../../context.js";
import { tapPattern } from "../../event-tap.js";
import { run } from "../../main.js";

/** A context with no AWS: any AWS use fails the test, so these runs prove input is checked first. */
function offlineContext(files: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CliContext = {
    env: {},
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    now: () => new Date("2025-08-03T15:46:08Z"),
    readFile: (p) => {
      const text = files[p];
      if (text === undefined) throw new Error(`ENOENT: ${p}`);
      return text;
    },
    signal: new AbortController().signal,
    exitCode: 0,
    aws: () => {
      throw new Error("unexpected AWS use");
    },
  };
  return { ctx, out, err };
}

describe("reports program", () => {
  it("documents every submit option in --help", async () => {
    const { ctx, out } = offlineContext();

    const code = await run(["submit", "--help"], ctx);

    expect(code).toBe(0);
    const help = out.join("\n");
    for (const flag of [
      "--type",
      "--job-id",
      "--from",
      "--to",
      "--format",
      "--file",
      "--wait",
      "--timeout",
      "--prefix",
      "--queue-url",
    ]) {
      expect(help).toContain(flag);
    }
  });

  it("documents events --follow in --help", async () => {
    const { ctx, out } = offlineContext();

    expect(await run(["events", "--help"], ctx)).toBe(0);
    expect(out.join("\n")).toMatch(/--follow[\s\S]*--timeout[\s\S]*--detail-type/);
  });

  it.each([
    [
      ["submit", "--type", "sales", "--job-id", "../x", "--from", "2025-07-01", "--to", "2025-07-31"],
      "jobId (--job-id)",
    ],
    [["submit", "--type", "sales", "--from", "2025-08-01", "--to", "2025-07-31"], "parameters.to (--to)"],
    [["submit", "--type", "payroll"], "--type"],
    [["submit", "--type", "sales", "--format", "pdf"], "--format"],
    [["submit", "--file", "jobs.json", "--type", "sales"], "--type: cannot be combined with --file"],
    [["submit", "--type", "connectivity_test", "--timeout", "5"], "--timeout: only applies with --wait"],
    [["submit", "--type", "connectivity_test", "--prefix", "bad prefix!"], "--prefix:"],
    [["events", "--job-id", "../x"], "--job-id:"],
    [["events", "--timeout", "soon"], "--timeout:"],
    [["nonsense"], "unknown command"],
  ])("%j exits 2 naming the field, before any AWS call", async (argv, message) => {
    const { ctx, err } = offlineContext({ "jobs.json": "[]" });

    const code = await run(argv, ctx);

    expect(code).toBe(2);
    expect(err.join("\n")).toContain(message);
  });

  it("reports jobs[i].field for an invalid job in --file, before any AWS call", async () => {
    const { ctx, err } = offlineContext({ "jobs.json": "{not json" });

    expect(await run(["submit", "--file", "jobs.json"], ctx)).toBe(2);
    expect(err.join("\n")).toContain("--file jobs.json: not valid JSON");
  });
});

describe("terminalOutcome", () => {
  const event = (detailType: string, detail: Record<string, unknown> = {}) => ({
    source: "s",
    "detail-type": detailType,
    detail,
  });

  it("treats generated/organized as success, rejected and final failures as failure, the rest as running", () => {
    expect(terminalOutcome(event("ReportGenerated"))).toBe("succeeded");
    expect(terminalOutcome(event("ReportOrganized"))).toBe("succeeded");
    expect(terminalOutcome(event("ReportRejected"))).toBe("failed");
    expect(terminalOutcome(event("ReportFailed", { final: true }))).toBe("failed");
    expect(terminalOutcome(event("ReportFailed", { final: false }))).toBeUndefined();
    expect(terminalOutcome(event("ReportStarted"))).toBeUndefined();
  });
});

describe("helpers", () => {
  it("timeoutSeconds accepts positive numbers only", () => {
    expect(timeoutSeconds(undefined, 300)).toBe(300);
    expect(timeoutSeconds(2.5, 300)).toBe(2.5);
    expect(() => timeoutSeconds(0, 300)).toThrow(/--timeout/);
    expect(() => timeoutSeconds("x", 300)).toThrow(/--timeout/);
  });

  it("tapPattern filters on source, detail-type and jobId", () => {
    expect(tapPattern({ detailTypes: ["ReportGenerated"], jobIds: ["J1"] })).toEqual({
      source: ["report-pipeline.reports"],
      "detail-type": ["ReportGenerated"],
      detail: { jobId: ["J1"] },
    });
    expect(tapPattern({})).toEqual({ source: ["report-pipeline.reports"] });
  });
});
