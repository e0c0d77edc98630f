import { ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import type { PublishableEvent } from "#events/event-publisher.js";
import { REPORT_JOB_EXAMPLE } from "#events/report-job.schema.js";
import { createLogger } from "#services/shared/logger.js";
import type { JobStatus } from "#services/status/job-status.js";
import { sweepDeadLetters } from "../../dlq-sweeper.js";

/** A DLQ that serves `bodies` on the first receive and nothing after; records every call, answers only receives. */
function fakeDlq(bodies: string[]) {
  const calls: Array<{ command: string; input: Record<string, unknown> }> = [];
  let served = false;
  const sqs = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      calls.push({ command: command.constructor.name, input: command.input });
      if (!(command instanceof ReceiveMessageCommand))
        throw new Error(`unexpected ${command.constructor.name}`);
      if (served) return { Messages: [] };
      served = true;
      return {
        Messages: bodies.map((Body, i) => ({
          MessageId: `m${i}`,
          ReceiptHandle: `rh${i}`,
          Body,
          Attributes: { ApproximateReceiveCount: "6" },
        })),
      };
    },
  } as unknown as SQSClient;
  return { sqs, calls };
}

describe("sweepDeadLetters", () => {
  it("reports only jobs with no terminal state in their audit trail, and skips bodies that are not jobs", async () => {
    const published: PublishableEvent[] = [];
    const done = { ...REPORT_JOB_EXAMPLE, jobId: "DONE_1" };
    const lost = { ...REPORT_JOB_EXAMPLE, jobId: "LOST_1" };
    const states: Record<string, JobStatus["state"]> = { DONE_1: "failed", LOST_1: "running" };

    const dlq = fakeDlq([JSON.stringify(done), JSON.stringify(lost), "not a job"]);

    const emitted = await sweepDeadLetters({
      sqs: dlq.sqs,
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
    // it reads the DLQ, hides what it read from the next sweep, stops at an empty answer, and leaves the
    // messages there for an operator (no delete, no move)
    expect(dlq.calls.map((c) => c.command)).toEqual(["ReceiveMessageCommand", "ReceiveMessageCommand"]);
    expect(dlq.calls[0]?.input).toMatchObject({
      QueueUrl: "dlq",
      VisibilityTimeout: 60,
      WaitTimeSeconds: 0,
      MessageSystemAttributeNames: ["ApproximateReceiveCount"],
    });
  });
});
