/**
 * QueueConsumer against LocalStack's SQS: handled messages are deleted in batches (DeleteMessageBatch),
 * none is lost or left behind, and a message whose handler asks for a retry is not deleted.
 */
import { CreateQueueCommand, DeleteQueueCommand, SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RequestCounter } from "#localstack/bench/request-counter.js";
import { eventually, queueDepth, uniquePrefix } from "#localstack/testing.js";
import { type AwsClients, createAwsClients, destroyAwsClients } from "../../aws.js";
import { createLogger } from "../../logger.js";
import { type HandlerOutcome, QueueConsumer } from "../../queue-consumer.js";

let clients: AwsClients;
const counter = new RequestCounter();
const logLines: string[] = [];

beforeAll(() => {
  clients = createAwsClients();
  counter.instrument({ sqs: clients.sqs });
});
afterAll(() => destroyAwsClients(clients));

async function queueWith(bodies: string[]): Promise<string> {
  const out = await clients.sqs.send(new CreateQueueCommand({ QueueName: uniquePrefix("qc") }));
  const queueUrl = out.QueueUrl as string;
  for (let i = 0; i < bodies.length; i += 10) {
    await clients.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.slice(i, i + 10).map((MessageBody, j) => ({ Id: String(j), MessageBody })),
      }),
    );
  }
  return queueUrl;
}

function consumer(queueUrl: string, handle: (body: string) => Promise<HandlerOutcome>): QueueConsumer {
  return new QueueConsumer({
    name: "test",
    sqs: clients.sqs,
    queueUrl,
    concurrency: 10,
    visibilityTimeoutSeconds: 30,
    heartbeatIntervalSeconds: 10,
    waitTimeSeconds: 1,
    logger: createLogger({ service: "test", write: (l) => logLines.push(l) }),
    handle: (m) => handle(m.Body ?? ""),
  });
}

describe("QueueConsumer on LocalStack", () => {
  it("deletes 25 handled messages in batches and leaves the queue empty", async () => {
    const bodies = Array.from({ length: 25 }, (_, i) => `m${i}`);
    const queueUrl = await queueWith(bodies);
    const handled = new Set<string>();
    const before = counter.counts();
    const c = consumer(queueUrl, async (body) => {
      // Handlers finish at different times, as jobs do.
      await new Promise((r) => setTimeout(r, 20 + (Number(body.slice(1)) % 7) * 15));
      handled.add(body);
      return { action: "delete" };
    });
    c.start();
    try {
      await eventually(
        async () => (handled.size === bodies.length ? true : undefined),
        "all handled",
        30_000,
      );
      await eventually(
        async () => ((await queueDepth(clients, queueUrl)) === 0 ? true : undefined),
        "the queue to be empty",
        15_000,
      );
    } finally {
      await c.stop(5_000);
      await clients.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
    }
    const after = counter.counts();
    const delta = (op: string) => (after[op] ?? 0) - (before[op] ?? 0);
    expect(delta("SQS.DeleteMessage")).toBe(0);
    const batches = delta("SQS.DeleteMessageBatch");
    expect(batches).toBeGreaterThanOrEqual(3); // at most 10 entries each
    expect(batches).toBeLessThan(bodies.length / 2);
    expect(logLines.join("\n")).not.toContain("could not delete");
  });

  it("does not delete a message whose handler asks for a retry", async () => {
    const queueUrl = await queueWith(["keep", "drop1", "drop2"]);
    const handled = new Set<string>();
    const c = consumer(queueUrl, async (body) => {
      handled.add(body);
      return body === "keep" ? { action: "retry", visibilityTimeoutSeconds: 60 } : { action: "delete" };
    });
    c.start();
    try {
      await eventually(async () => (handled.size === 3 ? true : undefined), "all handled", 30_000);
      await eventually(
        async () => ((await queueDepth(clients, queueUrl)) === 1 ? true : undefined),
        "only the retried message to stay",
        15_000,
      );
    } finally {
      await c.stop(5_000);
      await clients.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
    }
  });
});
