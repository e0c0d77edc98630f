/**
 * e2e, SIGTERM while a Snowflake statement runs: the real worker process (WAREHOUSE=snowflake) against the
 * fakesnow shim, which holds the job's statement until it is aborted (localstack/fakesnow). The worker must
 * cancel the statement in Snowflake before it releases the job, exit 0, and leave the job on the queue for
 * another worker; the cancel reaches Snowflake before anyone can receive the job again.
 */
import { randomBytes } from "node:crypto";
import { CreateSecretCommand, DeleteSecretCommand } from "@aws-sdk/client-secrets-manager";
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { submitReportJob } from "#events/submit-report-job.js";
import { type FakesnowServer, startFakesnow } from "../../../localstack/fakesnow/fakesnow-server.js";
import type { ServiceProcess } from "../../../localstack/service-process.js";
import {
  createTestTopology,
  spawnWorker,
  type TestTopology,
  workerReady,
} from "../../../localstack/testing.js";

describe("a worker on Snowflake, stopped during a long statement", () => {
  let t: TestTopology;
  let server: FakesnowServer;
  let worker: ServiceProcess | undefined;
  const secretId = `test/snowflake-shutdown-${randomBytes(4).toString("hex")}`;

  beforeAll(async () => {
    t = await createTestTopology();
    server = await startFakesnow();
    await t.clients.secrets.send(
      new CreateSecretCommand({
        Name: secretId,
        SecretString: JSON.stringify(server.secretPayload()),
      }),
    );
  });

  afterAll(async () => {
    await worker?.stop();
    await t?.clients.secrets
      .send(new DeleteSecretCommand({ SecretId: secretId, ForceDeleteWithoutRecovery: true }))
      .catch(() => {});
    await server?.stop();
    await t?.dispose();
  });

  it("cancels the statement in Snowflake, then releases the job, and exits 0", async () => {
    await server.faults([{ on: "query", hold: true, seconds: 60 }]);
    worker = spawnWorker(t.provisioned.topology.prefix, {
      WAREHOUSE: "snowflake",
      SNOWFLAKE_SECRET_ID: secretId,
      DRAIN_TIMEOUT_MS: "1500",
      VISIBILITY_TIMEOUT_SECONDS: "30",
      HEARTBEAT_INTERVAL_SECONDS: "10",
      RETRY_BASE_SECONDS: "0",
      WORKER_CONCURRENCY: "1",
    });
    await workerReady(worker);
    await submitReportJob(t.clients.sqs, t.provisioned.jobs.queueUrl, {
      jobId: `SF_SIGTERM_${randomBytes(3).toString("hex")}`,
      reportType: "connectivity_test",
    });
    const deadline = Date.now() + 30_000;
    while ((await server.stats()).held < 1) {
      if (Date.now() > deadline) throw new Error("the job's statement never reached Snowflake");
      await new Promise((r) => setTimeout(r, 100));
    }

    const code = await worker.stop(30_000);
    worker = undefined;
    const stats = await server.stats();
    // The job is back on the queue for another worker, and only after the cancel reached Snowflake.
    let receivedAt = 0;
    for (let i = 0; i < 20 && receivedAt === 0; i++) {
      const out = await t.clients.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: t.provisioned.jobs.queueUrl, WaitTimeSeconds: 1 }),
      );
      if ((out.Messages ?? []).length > 0) receivedAt = Date.now();
    }

    expect(code).toBe(0);
    expect(stats.aborts).toBeGreaterThanOrEqual(1);
    expect(receivedAt).toBeGreaterThan(0);
    expect(stats.lastAbortAt).toBeLessThanOrEqual(receivedAt);
  });
});
