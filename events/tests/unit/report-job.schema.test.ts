import { describe, expect, it } from "vitest";
import { ValidationError } from "#events/errors.js";
import {
  DATE_RANGE_LIMIT_DAYS,
  parseReportJob,
  REPORT_JOB_EXAMPLE,
  ReportJobSchema,
} from "#events/report-job.schema.js";

/** Parses and returns the ValidationError, failing the test if parsing succeeds. */
function rejectionOf(input: unknown): ValidationError {
  try {
    parseReportJob(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

describe("ReportJobSchema", () => {
  it("accepts its example and applies defaults a user would expect", () => {
    const job = parseReportJob({
      jobId: "J1",
      reportType: "sales",
      parameters: { from: "2025-07-01", to: "2025-07-31" },
      requestedAt: "2025-08-03T15:46:08Z",
      requestedBy: "me",
    });

    expect(ReportJobSchema.safeParse(REPORT_JOB_EXAMPLE).success).toBe(true);
    expect(job).toMatchObject({
      schemaVersion: "1",
      format: "json",
      parameters: { granularity: "day", limit: 100 },
    });
  });

  it.each([
    ["../x", "may contain only letters"],
    ["", "must not be empty"],
    ["a".repeat(129), "at most 128"],
    ["ab\u0000c", "may contain only letters"],
    ["ab\ncd", "may contain only letters"],
    ["ab\u001bc", "may contain only letters"],
    ["job id", "may contain only letters"],
  ])("rejects jobId %j naming the field", (jobId, why) => {
    const error = rejectionOf({ ...REPORT_JOB_EXAMPLE, jobId });

    expect(error.fields).toEqual(["jobId"]);
    expect(error.message).toContain("jobId:");
    expect(error.message).toContain(why);
  });

  it("accepts a jobId of exactly 128 characters", () => {
    expect(parseReportJob({ ...REPORT_JOB_EXAMPLE, jobId: "a".repeat(128) }).jobId).toHaveLength(128);
  });

  it("rejects an unknown report type, listing the catalog", () => {
    const error = rejectionOf({ ...REPORT_JOB_EXAMPLE, reportType: "payroll" });

    expect(error.fields).toEqual(["reportType"]);
    expect(error.message).toMatch(/reportType: must be one of sales, customer_analysis/);
  });

  it("rejects from > to on parameters.to", () => {
    const error = rejectionOf({
      ...REPORT_JOB_EXAMPLE,
      parameters: { from: "2025-08-01", to: "2025-07-31" },
    });

    expect(error.fields).toEqual(["parameters.to"]);
    expect(error.message).toContain("parameters.to: must be on or after parameters.from");
  });

  it.each(Object.entries(DATE_RANGE_LIMIT_DAYS))(
    "caps a %s range at %i days (both counted) on parameters.to",
    (reportType, maxDays) => {
      const to = (days: number) =>
        new Date(Date.parse("2020-01-01T00:00:00Z") + (days - 1) * 86_400_000).toISOString().slice(0, 10);
      const job = (days: number) => ({
        ...REPORT_JOB_EXAMPLE,
        reportType,
        parameters: { from: "2020-01-01", to: to(days) },
      });

      expect(parseReportJob(job(maxDays)).parameters).toMatchObject({ to: to(maxDays) });
      const error = rejectionOf(job(maxDays + 1));
      expect(error.fields).toEqual(["parameters.to"]);
      expect(error.message).toContain(`parameters.to: must make a range of at most ${maxDays} days`);
    },
  );

  it.each([
    [{ jobId: 42 }, "jobId", "must be a string"],
    [
      { parameters: { from: "2025-07-01", to: "2025-07-31", limit: "10" } },
      "parameters.limit",
      "must be a number",
    ],
    [{ format: "pdf" }, "format", ""],
    [{ requestedAt: "yesterday" }, "requestedAt", "ISO-8601"],
    [{ parameters: { from: "2025-02-30", to: "2025-03-01" } }, "parameters.from", "real calendar date"],
    [{ parameters: { from: "2025-07-01", to: "2025-07-31", extra: 1 } }, "parameters", ""],
  ])("rejects a wrong type or value %j naming %s", (patch, field, why) => {
    const error = rejectionOf({ ...REPORT_JOB_EXAMPLE, ...patch });

    expect(error.fields).toContain(field);
    expect(error.message).toContain(`${field}:`);
    expect(error.message).toContain(why);
  });

  it("rejects a body that is not an object", () => {
    const error = rejectionOf("not a job");

    expect(error.message).toMatch(/^invalid report job: /);
  });
});
