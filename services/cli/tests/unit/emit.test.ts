/** `reports emit` input checks, run in-process with a context that has no AWS: nothing may be sent. */
import { describe, expect, it } from "vitest";
import { exampleReportEvent, REPORT_EVENT_EXAMPLES } from "#events/report-events.schema.js";
import type { CliContext } from "../../context.js";
import { run } from "../../main.js";

function offlineContext(env: NodeJS.ProcessEnv, files: Record<string, string> = {}) {
  const err: string[] = [];
  const ctx: CliContext = {
    env,
    out: () => {
      throw new Error("unexpected output");
    },
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
  return { ctx, err: () => err.join("\n") };
}

const LOCAL = { AWS_ENDPOINT_URL: "http://127.0.0.1:4566" };

describe("reports emit", () => {
  it.each([
    [{}, [], /no endpoint is set, so this would go to AWS itself/],
    [
      { AWS_ENDPOINT_URL: "https://events.eu-west-1.amazonaws.com" },
      [],
      /"https:\/\/events\.eu-west-1\.amazonaws\.com" is not a local endpoint/,
    ],
    [
      LOCAL,
      ["--endpoint-url", "https://10.0.0.8:4566"],
      /"https:\/\/10\.0\.0\.8:4566" is not a local endpoint/,
    ],
  ])("refuses a non-local endpoint without --force (env %j, args %j)", async (env, args, message) => {
    const { ctx, err } = offlineContext(env);

    const code = await run(["emit", "ReportGenerated", ...args], ctx);

    expect(code).toBe(2);
    expect(err()).toMatch(message);
    expect(err()).toMatch(/--force/);
  });

  it("with --force it goes on to send (and reaches AWS)", async () => {
    const { ctx, err } = offlineContext({});

    expect(await run(["emit", "ReportGenerated", "--force"], ctx)).toBe(1);
    expect(err()).toMatch(/unexpected AWS use/);
  });

  it("names the field of a broken --from-file detail, and sends nothing", async () => {
    const broken = { ...REPORT_EVENT_EXAMPLES.ReportFailed, attempt: 0 };
    const { ctx, err } = offlineContext(LOCAL, { "failed.json": JSON.stringify(broken), "bad.json": "{" });

    expect(await run(["emit", "ReportFailed", "--from-file", "failed.json"], ctx)).toBe(2);
    expect(err()).toMatch(
      /--from-file failed\.json: invalid ReportFailed detail: attempt: must be at least 1/,
    );
    expect(await run(["emit", "ReportFailed", "--from-file", "bad.json"], ctx)).toBe(2);
    expect(err()).toMatch(/--from-file bad\.json: not valid JSON/);
  });

  it("refuses an unknown detail-type and a malformed --job-id", async () => {
    const { ctx, err } = offlineContext(LOCAL);

    expect(await run(["emit", "ReportMade"], ctx)).toBe(2);
    expect(err()).toMatch(
      /'ReportMade' is invalid for argument 'detail-type'\. Allowed choices are ReportStarted, ReportGenerated/,
    );
    expect(await run(["emit", "ReportStarted", "--job-id", "../etc"], ctx)).toBe(2);
    expect(err()).toMatch(/--job-id: "\.\.\/etc" may contain only letters/);
  });
});

describe("exampleReportEvent", () => {
  it("re-keys the example for another job, deriving its event ids as the pipeline does", () => {
    const generated = exampleReportEvent("ReportGenerated", { jobId: "MY_TEST_1" });
    expect(generated.jobId).toBe("MY_TEST_1");
    expect(generated.key).toContain("MY_TEST_1");
    expect(generated.eventId).not.toBe(REPORT_EVENT_EXAMPLES.ReportGenerated.eventId);
    expect(exampleReportEvent("ReportGenerated", { jobId: "MY_TEST_1" }).eventId).toBe(generated.eventId);
    const organized = exampleReportEvent("ReportOrganized", { jobId: "MY_TEST_1" });
    expect(exampleReportEvent("ReportNotified", { jobId: "MY_TEST_1" }).forEventId).toBe(organized.eventId);
    expect(exampleReportEvent("ReportStarted")).toEqual(REPORT_EVENT_EXAMPLES.ReportStarted);
  });
});
