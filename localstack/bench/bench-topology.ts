/**
 * The benchmarks' stage: a fresh topology, a second jobs queue for the bare pipeline, a subscriber (a rule
 * on ReportGenerated into a queue of its own, as users make one), the measured child processes and the
 * settings every phase reads.
 */
import { join } from "node:path";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  type Message,
  ReceiveMessageCommand,
} from "@aws-sdk/client-sqs";
import { DetailType } from "#events/names.js";
import { openEventTap } from "#services/cli/event-tap.js";
import { type ServiceProcess, startService } from "../service-process.js";
import { createTestTopology, type TestTopology, uniquePrefix } from "../testing.js";
import { log } from "./measure.js";

/** What `npm run bench` was asked for (flags, env, or the full / --quick defaults). */
export interface BenchSettings {
  quick: boolean;
  p1Jobs: number;
  p2Jobs: number;
  p3Rows: number;
  concurrency: number;
  /** Logs, spill and scratch files. */
  dir: string;
}

/** Long-poll wait for the worker and the bare script alike (short, so stopping a phase is quick). */
export const POLL_WAIT_SECONDS = 2;

/** A measured child process: the worker or the bare pipeline, logging to `<DIR>/logs/<name>.log`. */
export function spawnChild(
  dir: string,
  name: string,
  script: string,
  args: string[],
  env: Record<string, string>,
): ServiceProcess {
  return startService({ name, script, args, env, logFile: join(dir, "logs", `${name}.log`) });
}

/** Stops a child and returns its last output line (the bare pipeline prints its call count there). */
export async function stopChild(child: ServiceProcess): Promise<string> {
  await child.stop();
  return child.lines.filter((line) => line.trim() !== "").at(-1) ?? "";
}

export interface Bench {
  t: TestTopology;
  prefix: string;
  jobsQueueUrl: string;
  bareQueueUrl: string;
  subscriberUrl: string;
  bucket: string;
  busName: string;
  dispose(): Promise<void>;
}

export async function provision(): Promise<Bench> {
  const prefix = uniquePrefix("bench");
  const t = await createTestTopology({ prefix });
  const { sqs } = t.clients;
  const bare = await sqs.send(new CreateQueueCommand({ QueueName: `${prefix}-bare-jobs` }));
  const busName = t.provisioned.busName;
  // a subscriber as users make one: a rule on ReportGenerated into a queue of its own
  const subscriber = await openEventTap(t.clients, {
    busName,
    namePrefix: `${prefix}-bench-subscriber`,
    filter: { detailTypes: [DetailType.ReportGenerated] },
  });
  return {
    t,
    prefix,
    jobsQueueUrl: t.provisioned.jobs.queueUrl,
    bareQueueUrl: bare.QueueUrl ?? "",
    subscriberUrl: subscriber.queueUrl,
    bucket: t.provisioned.bucket,
    busName,
    async dispose() {
      const quiet = (p: Promise<unknown>) => p.catch((e: Error) => log(`cleanup: ${e.message}`));
      await quiet(subscriber.close());
      await quiet(sqs.send(new DeleteQueueCommand({ QueueUrl: bare.QueueUrl })));
      await t.dispose();
    },
  };
}

export const jobIdOf = (m: Message): string | undefined => {
  try {
    return (JSON.parse(m.Body ?? "{}") as { detail?: { jobId?: string } }).detail?.jobId;
  } catch {
    return undefined;
  }
};

/** Waits for the ReportGenerated of one job on the subscriber queue (deleting what it reads). */
export async function observe(b: Bench, jobId: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const out = await b.t.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: b.subscriberUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 20 }),
    );
    const messages = out.Messages ?? [];
    const found = messages.some((m) => jobIdOf(m) === jobId);
    if (messages.length > 0) {
      // deleted in the background so the caller's clock stops at arrival; the same for every variant
      void b.t.clients.sqs
        .send(
          new DeleteMessageBatchCommand({
            QueueUrl: b.subscriberUrl,
            Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        )
        .catch(() => undefined);
    }
    if (found) return;
  }
  throw new Error(`no ReportGenerated for ${jobId} within ${timeoutMs} ms`);
}

export function workerEnv(b: Bench, concurrency: number): Record<string, string> {
  return {
    REPORTS_PREFIX: b.prefix,
    WORKER_CONCURRENCY: String(concurrency),
    HTTP_PORT: "0",
    POLL_WAIT_SECONDS: String(POLL_WAIT_SECONDS),
    DRAIN_TIMEOUT_MS: "15000",
    DUCKDB_PATH: ":memory:",
  };
}

export const connectivityJob = (jobId: string) => ({
  jobId,
  reportType: "connectivity_test" as const,
  parameters: {},
  format: "json" as const,
});
