/**
 * e2e support: run the real worker (in this process, or as a child process that can be SIGKILLed or
 * SIGTERMed), and read what it left in S3 and SQS.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { GetObjectCommand, ListObjectVersionsCommand } from "@aws-sdk/client-s3";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import type { ReportJobInput } from "#events/report-job.schema.js";
import type { Warehouse } from "#services/reports/warehouse.port.js";
import type { AwsClients } from "#services/shared/aws.js";
import { createLogger } from "#services/shared/logger.js";
import { readWorkerConfig } from "#services/worker/config.js";
import { type RunningWorker, startWorker, type WorkerOverrides } from "#services/worker/main.js";
import { eventually, REPO_ROOT_FOR_TESTS } from "../../../localstack/testing.js";

/** Fast-moving settings for tests: short polls, short visibility, quick retries. */
export function testWorkerEnv(prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    REPORTS_PREFIX: prefix,
    HTTP_PORT: "0",
    POLL_WAIT_SECONDS: "1",
    VISIBILITY_TIMEOUT_SECONDS: "6",
    HEARTBEAT_INTERVAL_SECONDS: "2",
    RETRY_BASE_SECONDS: "1",
    DRAIN_TIMEOUT_MS: "20000",
    WORKER_CONCURRENCY: "4",
    ...extra,
  };
}

export async function startTestWorker(
  prefix: string,
  extra: Record<string, string> = {},
  overrides: WorkerOverrides = {},
): Promise<RunningWorker> {
  const config = readWorkerConfig({ ...process.env, ...testWorkerEnv(prefix, extra) });
  return startWorker(config, {
    logger: createLogger({ service: "report-worker", level: "warn" }),
    ...overrides,
  });
}

export interface WorkerProcess {
  child: ChildProcess;
  /** Every stdout/stderr line so far. */
  lines: string[];
  exited: Promise<number | null>;
}

/**
 * Starts `services/worker/main.ts` as a real process: this Node (24) with tsx as a loader, in ONE process
 * (the tsx CLI would fork a child, and a SIGKILL to the parent would leave the worker running).
 */
export function spawnWorker(prefix: string, extra: Record<string, string> = {}): WorkerProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "services/worker/main.ts"], {
    cwd: REPO_ROOT_FOR_TESTS,
    env: { ...process.env, ...testWorkerEnv(prefix, extra) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const collect = (chunk: Buffer) => lines.push(...chunk.toString().split("\n").filter(Boolean));
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, lines, exited };
}

/** Waits until the worker process logs that it started. */
export async function workerReady(w: WorkerProcess, timeoutMs = 30_000): Promise<void> {
  await eventually(
    async () => (w.lines.some((l) => l.includes('"worker started"')) ? true : undefined),
    `worker start (log so far: ${w.lines.slice(-5).join(" | ")})`,
    timeoutMs,
  );
}

/** All versions of all objects under a prefix (the bucket is versioned, so overwrites would show). */
export async function objectVersions(clients: AwsClients, bucket: string, prefix: string) {
  const out = await clients.s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix }));
  return out.Versions ?? [];
}

export async function readObject(clients: AwsClients, bucket: string, key: string): Promise<Buffer> {
  const out = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await (out.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array())));
}

/** Visible + in-flight + delayed messages of a queue. */
export async function queueDepth(clients: AwsClients, queueUrl: string): Promise<number> {
  const out = await clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
      ],
    }),
  );
  const a = out.Attributes ?? {};
  return (
    Number(a.ApproximateNumberOfMessages ?? 0) +
    Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
    Number(a.ApproximateNumberOfMessagesDelayed ?? 0)
  );
}

/** A sales job for July 2025 with the reference timestamp; `extra` overrides any field. */
export const salesJob = (jobId: string, extra: Partial<ReportJobInput> = {}): ReportJobInput =>
  ({
    jobId,
    reportType: "sales",
    parameters: { from: "2025-07-01", to: "2025-07-31" },
    requestedAt: "2025-08-03T15:46:08Z",
    requestedBy: "e2e",
    ...extra,
  }) as ReportJobInput;

/** Wraps a warehouse so `before(tag)` runs ahead of every query (to count, or to throw a fault). */
export function interceptWarehouse(inner: Warehouse, before: (tag: string | undefined) => void): Warehouse {
  return {
    query: async (sql, binds, options) => {
      before(options?.tag);
      return inner.query(sql, binds, options);
    },
    stream: (sql, binds, options) => {
      before(options?.tag);
      return inner.stream(sql, binds, options);
    },
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
}
