import { describe, expect, it } from "vitest";
import { ValidationError } from "#events/errors.js";
import { assertFileOnly, defaultJobId, jobFromOptions, jobsFromFile } from "../../job-args.js";

const now = new Date("2025-08-03T15:46:08.000Z");
const ctx = { now, requestedBy: "reports-cli:test" };

function rejectionOf(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error("expected a ValidationError");
}

describe("jobFromOptions", () => {
  it("maps `submit --type sales --job-id X --from --to --format csv` to a complete job", () => {
    const job = jobFromOptions(
      {
        type: "sales",
        jobId: "X",
        from: "2025-07-01",
        to: "2025-07-31",
        format: "csv",
        region: ["EU", "US"],
      },
      ctx,
    );

    expect(job).toEqual({
      schemaVersion: "1",
      jobId: "X",
      reportType: "sales",
      format: "csv",
      parameters: {
        from: "2025-07-01",
        to: "2025-07-31",
        granularity: "day",
        limit: 100,
        regions: ["EU", "US"],
      },
      requestedAt: now.toISOString(),
      requestedBy: "reports-cli:test",
    });
  });

  it("maps delivery options and type-specific parameters", () => {
    const job = jobFromOptions(
      {
        type: "data_quality",
        freshnessHours: 48,
        webhookUrl: "https://hooks.example/x",
        notifyOn: "failure",
      },
      ctx,
    );

    expect(job).toMatchObject({
      parameters: { freshnessHours: 48 },
      delivery: { webhookUrl: "https://hooks.example/x", notifyOn: "failure", skipEmpty: false },
    });
  });

  it("generates a valid jobId when --job-id is omitted", () => {
    const job = jobFromOptions({ type: "connectivity_test" }, ctx);

    expect(job.jobId).toMatch(/^connectivity_test_20250803154608_[0-9a-f]{6}$/);
    expect(defaultJobId("sales", now)).not.toBe(defaultJobId("sales", now));
  });

  it.each([
    ["../x", "jobId (--job-id): may contain only letters"],
    ["", "jobId (--job-id): must not be empty"],
    ["a".repeat(129), "jobId (--job-id): must be at most 128"],
    ["a\u0007b", "jobId (--job-id): may contain only letters"],
  ])("rejects --job-id %j naming the field and flag", (jobId, message) => {
    const error = rejectionOf(() =>
      jobFromOptions({ type: "sales", jobId, from: "2025-07-01", to: "2025-07-31" }, ctx),
    );

    expect(error.fields).toEqual(["jobId"]);
    expect(error.message).toContain(message);
  });

  it("rejects an unknown report type naming --type", () => {
    const error = rejectionOf(() => jobFromOptions({ type: "payroll" }, ctx));

    expect(error.message).toMatch(/^reportType \(--type\): must be one of sales, /);
  });

  it("rejects from > to naming --to", () => {
    const error = rejectionOf(() =>
      jobFromOptions({ type: "sales", from: "2025-08-01", to: "2025-07-31" }, ctx),
    );

    expect(error.fields).toEqual(["parameters.to"]);
    expect(error.message).toContain("parameters.to (--to): must be on or after parameters.from");
  });

  it.each([
    [{ limit: "ten" }, "parameters.limit (--limit): must be a number"],
    [{ limit: 0 }, "parameters.limit (--limit): must be at least 1"],
    [{ from: "July" }, "parameters.from (--from)"],
    [{ format: "pdf" }, "format (--format)"],
    [{ webhookUrl: "http://evil.example" }, "delivery.webhookUrl (--webhook-url)"],
  ])("rejects a wrong type or value %j naming the flag", (patch, message) => {
    const error = rejectionOf(() =>
      jobFromOptions({ type: "sales", from: "2025-07-01", to: "2025-07-31", ...patch }, ctx),
    );

    expect(error.message).toContain(message);
  });

  it("rejects a parameter the report type does not take", () => {
    const error = rejectionOf(() => jobFromOptions({ type: "connectivity_test", from: "2025-07-01" }, ctx));

    expect(error.message).toBe("parameters.from (--from): not a parameter of connectivity_test reports");
  });

  it("requires --type", () => {
    expect(rejectionOf(() => jobFromOptions({}, ctx)).message).toContain("--type");
  });
});

describe("--file", () => {
  it("reads an array, {jobs: [...]}, or one job", () => {
    const job = { jobId: "A", reportType: "connectivity_test" };

    expect(jobsFromFile(JSON.stringify([job, job]), "f.json")).toHaveLength(2);
    expect(jobsFromFile(JSON.stringify({ jobs: [job] }), "f.json")).toEqual([job]);
    expect(jobsFromFile(JSON.stringify(job), "f.json")).toEqual([job]);
  });

  it.each([
    ["{not json", "--file f.json: not valid JSON"],
    ["[]", "--file f.json: holds no jobs"],
    ["42", "--file f.json: must hold a job object"],
  ])("rejects %j naming --file", (text, message) => {
    expect(rejectionOf(() => jobsFromFile(text, "f.json")).message).toContain(message);
  });

  it("cannot be combined with single-job options", () => {
    expect(rejectionOf(() => assertFileOnly({ file: "f.json", from: "2025-07-01" })).message).toBe(
      "--from: cannot be combined with --file (put it in the file's jobs)",
    );
    expect(() => assertFileOnly({ file: "f.json" })).not.toThrow();
  });
});
