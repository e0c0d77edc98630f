import { describe, expect, it } from "vitest";
import { DetailType, SCHEMA_VERSION } from "#events/names.js";
import {
  eventIdFor,
  REPORT_GENERATED_EXAMPLE,
  REPORT_ORGANIZED_EXAMPLE,
  REPORT_REJECTED_EXAMPLE,
} from "#events/report-events.schema.js";
import { type AuditedEvent, foldJobStatus } from "../../status-fold.js";

const JOB = "JOB_1";
const base = {
  schemaVersion: SCHEMA_VERSION as typeof SCHEMA_VERSION,
  jobId: JOB,
  reportType: "sales" as const,
};

// Builders: one audited event of each kind, at a given envelope time.
const started = (attempt: number, time: string): AuditedEvent => ({
  time,
  detailType: DetailType.ReportStarted,
  eventId: eventIdFor(JOB, DetailType.ReportStarted, attempt),
  detail: { ...base, eventId: eventIdFor(JOB, DetailType.ReportStarted, attempt), attempt, startedAt: time },
});
const failed = (
  attempt: number,
  final: boolean,
  time: string,
  code = "WAREHOUSE_UNAVAILABLE",
): AuditedEvent => ({
  time,
  detailType: DetailType.ReportFailed,
  eventId: eventIdFor(JOB, DetailType.ReportFailed, attempt),
  detail: {
    ...base,
    eventId: eventIdFor(JOB, DetailType.ReportFailed, attempt),
    error: { code, message: `attempt ${attempt} failed`, retryable: code === "WAREHOUSE_UNAVAILABLE" },
    attempt,
    final,
  },
});
const generated = (time: string): AuditedEvent => ({
  time,
  detailType: DetailType.ReportGenerated,
  eventId: eventIdFor(JOB, DetailType.ReportGenerated),
  detail: {
    ...REPORT_GENERATED_EXAMPLE,
    ...base,
    eventId: eventIdFor(JOB, DetailType.ReportGenerated),
    key: "generated/JOB_1/JOB_1_sales_20250803_154608.json",
    generatedAt: time,
  },
});
const organized = (time: string): AuditedEvent => ({
  time,
  detailType: DetailType.ReportOrganized,
  eventId: eventIdFor(JOB, DetailType.ReportOrganized),
  detail: {
    ...REPORT_ORGANIZED_EXAMPLE,
    ...base,
    eventId: eventIdFor(JOB, DetailType.ReportOrganized),
    finalKey: "reports/sales/JOB_1_sales_20250803_154608.json",
  },
});
const notified = (forEvent: AuditedEvent, time: string): AuditedEvent => {
  const eventId = eventIdFor(JOB, `${DetailType.ReportNotified}:${forEvent.eventId}`);
  return {
    time,
    detailType: DetailType.ReportNotified,
    eventId,
    detail: {
      ...base,
      eventId,
      forEventId: forEvent.eventId,
      forDetailType: forEvent.detailType as "ReportOrganized" | "ReportFailed",
      channels: [{ channel: "sns", outcome: "delivered", detail: "sns message 1" }],
      notifiedAt: time,
    },
  };
};

const T = (s: number) => new Date(Date.UTC(2025, 7, 3, 15, 46, s)).toISOString();

describe("foldJobStatus", () => {
  it("is undefined without events (unknown job)", () => {
    expect(foldJobStatus(JOB, [])).toBeUndefined();
  });

  it("a started job is running on attempt 1", () => {
    const s = foldJobStatus(JOB, [started(1, T(1))]);

    expect(s).toMatchObject({ jobId: JOB, reportType: "sales", state: "running", attempts: 1 });
    expect(s?.timestamps).toEqual({ started: T(1) });
    expect(s?.error).toBeUndefined();
  });

  it("follows a successful job through generated, organized and notified", () => {
    const g = generated(T(2));
    const o = organized(T(3));
    const steps = [started(1, T(1)), g, o, notified(o, T(4))];

    const states = steps.map((_, i) => foldJobStatus(JOB, steps.slice(0, i + 1))?.state);
    const last = foldJobStatus(JOB, steps);

    expect(states).toEqual(["running", "generated", "organized", "notified"]);
    expect(last).toMatchObject({
      state: "notified",
      attempts: 1,
      finalKey: "reports/sales/JOB_1_sales_20250803_154608.json",
      generatedKey: "generated/JOB_1/JOB_1_sales_20250803_154608.json",
      timestamps: { started: T(1), generated: T(2), organized: T(3), notified: T(4) },
      notification: [{ channel: "sns", outcome: "delivered", detail: "sns message 1" }],
    });
    expect(last?.events.map((e) => e.detailType)).toEqual([
      "ReportStarted",
      "ReportGenerated",
      "ReportOrganized",
      "ReportNotified",
    ]);
  });

  it("does not depend on listing order, and orders events of the same second by pipeline step", () => {
    const o = organized(T(1));
    const events = [started(1, T(1)), generated(T(1)), o, notified(o, T(1))];

    const forward = foldJobStatus(JOB, events);
    const backward = foldJobStatus(JOB, [...events].reverse());

    expect(backward).toEqual(forward);
    expect(forward?.events.map((e) => e.detailType)).toEqual([
      "ReportStarted",
      "ReportGenerated",
      "ReportOrganized",
      "ReportNotified",
    ]);
  });

  it("a non-final failure keeps the job running with its attempts and last error", () => {
    const s = foldJobStatus(JOB, [started(1, T(1)), failed(1, false, T(2)), started(2, T(5))]);

    expect(s).toMatchObject({ state: "running", attempts: 2 });
    expect(s?.error).toEqual({ code: "WAREHOUSE_UNAVAILABLE", message: "attempt 1 failed", retryable: true });
    expect(s?.timestamps.failed).toBeUndefined();
  });

  it("a final failure is failed, with the final error and its time", () => {
    const f2 = failed(2, true, T(7), "WAREHOUSE_FAULT_INJECTED");
    const s = foldJobStatus(JOB, [
      started(1, T(1)),
      failed(1, false, T(2)),
      started(2, T(6)),
      f2,
      notified(f2, T(8)),
    ]);

    expect(s).toMatchObject({ state: "failed", attempts: 2, timestamps: { failed: T(7), notified: T(8) } });
    expect(s?.error?.code).toBe("WAREHOUSE_FAULT_INJECTED");
    expect(s?.finalKey).toBeUndefined();
  });

  it("a success outranks an earlier failure", () => {
    const s = foldJobStatus(JOB, [
      started(1, T(1)),
      failed(1, true, T(2)),
      started(2, T(3)),
      generated(T(4)),
    ]);

    expect(s?.state).toBe("generated");
    expect(s?.error).toBeUndefined();
  });

  it("a final failure followed by a new attempt is running again", () => {
    const s = foldJobStatus(JOB, [started(1, T(1)), failed(1, true, T(2)), started(2, T(3))]);

    expect(s?.state).toBe("running");
  });

  it("a rejection alone is rejected, with the reason as a validation error", () => {
    const eventId = eventIdFor(JOB, DetailType.ReportRejected);
    const s = foldJobStatus(JOB, [
      {
        time: T(1),
        detailType: DetailType.ReportRejected,
        eventId,
        detail: { ...REPORT_REJECTED_EXAMPLE, eventId, jobId: JOB },
      },
    ]);

    expect(s).toMatchObject({ state: "rejected", attempts: 0, timestamps: { rejected: T(1) } });
    expect(s?.error).toEqual({
      code: "VALIDATION_FAILED",
      message: REPORT_REJECTED_EXAMPLE.reason,
      retryable: false,
    });
  });

  it("counts a duplicated record once", () => {
    const s = foldJobStatus(JOB, [started(1, T(1)), started(1, T(1)), generated(T(2)), generated(T(2))]);

    expect(s?.events).toHaveLength(2);
  });
});
