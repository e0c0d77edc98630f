import type { SQSClient } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import type { PublishableEvent } from "#events/event-publisher.js";
import { REPORT_JOB_EXAMPLE } from "#events/report-job.schema.js";
import { createLogger } from "#services/shared/logger.js";
import type { JobStatus } from "#services/status/job-status.js";
import { sweepDeadLetters } from "../../dlq-sweeper.js";

function fakeDlq(bodies: string[]) {
  let served = false;
  return {
    send: async () => {
      if (served) return { Messages: [] };
      served = true;
      return {
        Messages: bodies.map((Body, i) => ({
          MessageId: `m${i}`,
          Body,
          Attributes: { ApproximateReceiveCount: "6" },
        })),
      };
    },
  } as unknown as SQSClient;
}

describe("sweepDeadLetters", () => {
  it("reports only jobs with no terminal state in their audit trail, and skips bodies that are not jobs", async () => {
    const published: PublishableEvent[] = [];
    const done = { ...REPORT_JOB_EXAMPLE, jobId: "DONE_1" };
    const lost = { ...REPORT_JOB_EXAMPLE, jobId: "LOST_1" };
    const states: Record<string, JobStatus["state"]> = { DONE_1: "failed", LOST_1: "running" };

    const emitted = await sweepDeadLetters({
      sqs: fakeDlq([JSON.stringify(done), JSON.stringify(lost), "not a job"]),
      dlqUrl: "dlq",
      events: {
        publish: async (e) => {
          published.push(e);
          return { index: 0, detailType: e.detailType, eventId: "", awsEventId: "", attempts: 1 };
        },
      },
      status: async (jobId) => ({ jobId, state: states[jobId] ?? "running" }) as JobStatus,
      logger: createLogger({ service: "test", write: () => {} }),
      hideSeconds: 60,
    });

    expect(emitted).toBe(1);
    expect(published.map((e) => (e.detail as { jobId: string }).jobId)).toEqual(["LOST_1"]);
    expect(published[0]?.detail).toMatchObject({
      final: true,
      attempt: 6,
      error: { code: "JOB_DEAD_LETTERED" },
    });
  });
});
