/**
 * e2e support: run the real worker in this process, read what it left in S3, build jobs, intercept the
 * warehouse. (Worker processes that can be SIGKILLed or SIGTERMed: `spawnWorker` in localstack/testing.ts.)
 */
import { GetObjectCommand, ListObjectVersionsCommand } from "@aws-sdk/client-s3";
import type { ReportJobInput } from "#events/report-job.schema.js";
import type { Warehouse } from "#services/reports/warehouse.port.js";
import type { AwsClients } from "#services/shared/aws.js";
import { createLogger } from "#services/shared/logger.js";
import { readWorkerConfig } from "#services/worker/config.js";
import { type RunningWorker, startWorker, type WorkerOverrides } from "#services/worker/main.js";
import { testWorkerEnv } from "../../../localstack/testing.js";

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

/** All versions of all objects under a prefix (the bucket is versioned, so overwrites would show). */
export async function objectVersions(clients: AwsClients, bucket: string, prefix: string) {
  const out = await clients.s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix }));
  return out.Versions ?? [];
}

export async function readObject(clients: AwsClients, bucket: string, key: string): Promise<Buffer> {
  const out = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await (out.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array())));
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
