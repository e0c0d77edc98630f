/**
 * e2e support: run the real worker in this process, read what it left in S3, build jobs, intercept the
 * warehouse. (Worker processes that can be SIGKILLed or SIGTERMed: `spawnWorker` in localstack/testing.ts.)
 */
import { GetObjectCommand, ListObjectVersionsCommand } from "@aws-sdk/client-s3";
import type { ReportJobInput } from "#events/report-job.schema.js";
import { readConsumerConfig } from "#services/consumers/config.js";
import { type RunningConsumers, startConsumers } from "#services/consumers/run-consumers.js";
import { readIntakeConfig } from "#services/intake/config.js";
import { type IntakeOverrides, type RunningIntake, startIntake } from "#services/intake/main.js";
import type { Warehouse } from "#services/reports/warehouse.port.js";
import type { AwsClients } from "#services/shared/aws.js";
import { createLogger } from "#services/shared/logger.js";
import { readWorkerConfig } from "#services/worker/config.js";
import { type RunningWorker, startWorker, type WorkerOverrides } from "#services/worker/main.js";
import { parseConsumerArgs } from "../../../localstack/consumers.js";
import {
  destroyFrontDoor,
  LOCAL_CALLER,
  type LocalFrontDoor,
  localGatewayToken,
  provisionFrontDoor,
} from "../../../localstack/front-door.js";
import type { TestTopology } from "../../../localstack/testing.js";
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

/**
 * All three event consumers in this process with fast test settings (1 s polls and retries); `extra`
 * adds or overrides variables.
 */
export function startTestConsumers(
  prefix: string,
  extra: Record<string, string> = {},
  logger = createLogger({ service: "e2e-consumers", level: "warn" }),
): Promise<RunningConsumers> {
  return startConsumers(
    parseConsumerArgs(["all"]),
    readConsumerConfig({
      ...process.env,
      REPORTS_PREFIX: prefix,
      POLL_WAIT_SECONDS: "1",
      RETRY_BASE_SECONDS: "1",
      ...extra,
    }),
    logger,
  );
}

export interface TestFrontDoor {
  intake: RunningIntake;
  door: LocalFrontDoor;
  /** The gateway token the door adds (a test may send it directly to the intake, as only the door could). */
  token: string;
  /** The intake's own URL, bypassing the door. */
  intakeUrl: string;
  stop(): Promise<void>;
}

/**
 * The intake in this process, with LocalStack's API Gateway in front of it provisioned from the route
 * table (localstack/front-door.ts); requests are attributed to LOCAL_CALLER unless `extra` says otherwise.
 */
export async function startTestFrontDoor(
  t: TestTopology,
  extra: Record<string, string> = {},
  overrides: IntakeOverrides = {},
): Promise<TestFrontDoor> {
  const token = localGatewayToken();
  const config = readIntakeConfig({
    ...process.env,
    REPORTS_PREFIX: t.provisioned.topology.prefix,
    HTTP_PORT: "0",
    INTAKE_GATEWAY_TOKEN: token,
    INTAKE_LOCAL_CALLER: LOCAL_CALLER,
    INTAKE_JOB_ID_KEY: localGatewayToken(),
    ...extra,
  });
  const intake = await startIntake(config, {
    logger: createLogger({ service: "intake", level: "error" }),
    ...overrides,
  });
  const intakeUrl = `http://127.0.0.1:${intake.port}`;
  const door = await provisionFrontDoor({ topology: t.provisioned.topology, intakeUrl, token });
  return {
    intake,
    door,
    token,
    intakeUrl,
    async stop() {
      await destroyFrontDoor(door);
      await intake.stop();
    },
  };
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
  const exportToFile = inner.exportToFile?.bind(inner);
  return {
    query: async (sql, binds, options) => {
      before(options?.tag);
      return inner.query(sql, binds, options);
    },
    stream: (sql, binds, options) => {
      before(options?.tag);
      return inner.stream(sql, binds, options);
    },
    ...(exportToFile === undefined
      ? {}
      : {
          exportToFile: async (sql, binds, target, options) => {
            before(options?.tag);
            return exportToFile(sql, binds, target, options);
          },
        }),
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
}
