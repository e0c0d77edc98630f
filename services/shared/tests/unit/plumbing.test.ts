import { describe, expect, it } from "vitest";
import { ValidationError } from "#events/errors.js";
import { createLogger, redact } from "../../logger.js";
import { emfLine } from "../../metrics.js";
import { backoffSeconds, pollerPlan } from "../../queue-consumer.js";

describe("pollerPlan", () => {
  it("uses one poller up to 10 in flight and splits larger concurrency evenly", () => {
    expect(pollerPlan(1)).toEqual({ pollers: 1, batchSize: 1 });
    expect(pollerPlan(10)).toEqual({ pollers: 1, batchSize: 10 });
    expect(pollerPlan(11)).toEqual({ pollers: 2, batchSize: 6 });
    expect(pollerPlan(25)).toEqual({ pollers: 3, batchSize: 9 });
  });

  it("rejects a concurrency below 1", () => {
    expect(() => pollerPlan(0)).toThrow(/concurrency/);
  });
});

describe("backoffSeconds", () => {
  it("doubles per attempt and stops at the cap", () => {
    expect([1, 2, 3, 4].map((n) => backoffSeconds(n, 10))).toEqual([10, 20, 40, 80]);
    expect(backoffSeconds(20, 10)).toBe(900);
  });
});

describe("logger", () => {
  it("writes one JSON line with service, context and the error's code", () => {
    const lines: string[] = [];
    const log = createLogger({ service: "svc", write: (l) => lines.push(l) }).child({ jobId: "J1" });

    log.error("boom", { error: new ValidationError("jobId: bad", { fields: ["jobId"] }) });

    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0] ?? "{}");
    expect(record).toMatchObject({ level: "error", service: "svc", jobId: "J1", message: "boom" });
    expect(record.error).toMatchObject({ code: "VALIDATION_FAILED", retryable: false });
  });

  it("never prints a redacted secret", () => {
    const lines: string[] = [];
    redact("hunter2-very-secret");
    const log = createLogger({ service: "svc", write: (l) => lines.push(l) });

    log.info("connecting", {
      password: "hunter2-very-secret",
      error: new Error("auth hunter2-very-secret failed"),
    });

    expect(lines.join("\n")).not.toContain("hunter2-very-secret");
    expect(lines.join("\n")).toContain("[REDACTED]");
  });
});

describe("emfLine", () => {
  it("declares every metric under the namespace with the dimension set", () => {
    const line = JSON.parse(
      emfLine(
        { dimensions: { Service: "w" }, metrics: { JobDuration: { value: 12, unit: "Milliseconds" } } },
        1000,
      ),
    );

    expect(line._aws.CloudWatchMetrics[0]).toEqual({
      Namespace: "ReportPipeline",
      Dimensions: [["Service"]],
      Metrics: [{ Name: "JobDuration", Unit: "Milliseconds" }],
    });
    expect(line.JobDuration).toBe(12);
    expect(line.Service).toBe("w");
  });
});
