/**
 * e2e, SIGTERM while a Snowflake statement runs: the real worker process (WAREHOUSE=snowflake) against the
 * fakesnow shim, which holds the job's statement until it is aborted (localstack/fakesnow). The worker must
 * cancel the statement in Snowflake before it releases the job, exit 0, and leave the job on the queue for
 * another worker; the cancel reaches Snowflake before anyone can receive the job again. And a worker
 * SIGKILLed during the statement (nothing cancelled): the next worker that receives the job re-attaches to
 * the statement still running in Snowflake, by the query id the first one recorded in S3, instead of
 * starting it a second time.
 */
import { randomBytes } from "node:crypto";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { CreateSecretCommand, DeleteSecretCommand } from "@aws-sdk/client-secrets-manager";
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STATEMENTS_PREFIX } from "#events/s3-layout.js";
import { submitReportJob } from "#events/submit-report-job.js";
import { createSnowflakeWarehouse } from "#services/warehouse/snowflake-warehouse.js";
import { type FakesnowServer, startFakesnow } from "../../../localstack/fakesnow/fakesnow-server.js";
import type { ServiceProcess } from "../../../localstack/service-process.js";
import {
  createBusTap,
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

  it("a worker killed mid-statement: the next one re-attaches to the statement by its recorded query id", async () => {
    // Prepare: worker A's statement is held running in Snowflake (until released); A is then SIGKILLed
    await server.reset();
    // the connectivity_test statement reads reporting.customers: give fakesnow one
    const setup = createSnowflakeWarehouse({ secretId, secrets: t.clients.secrets, poolMax: 1 });
    await setup.query("CREATE SCHEMA IF NOT EXISTS analytics_platform.reporting");
    await setup.query("CREATE OR REPLACE TABLE reporting.customers (customer_id INTEGER)");
    await setup.close();
    const tap = await createBusTap(t);
    const jobId = `SF_REATTACH_${randomBytes(3).toString("hex")}`;
    const env = {
      WAREHOUSE: "snowflake",
      SNOWFLAKE_SECRET_ID: secretId,
      VISIBILITY_TIMEOUT_SECONDS: "5",
      HEARTBEAT_INTERVAL_SECONDS: "2",
      RETRY_BASE_SECONDS: "0",
      WORKER_CONCURRENCY: "1",
    };
    // (async: the fault waits for the report's statement, past the readiness ping before it)
    await server.faults([{ on: "query", hold: true, release: true, seconds: 120, async: true }]);
    const a = spawnWorker(t.provisioned.topology.prefix, env);
    await workerReady(a);
    await submitReportJob(t.clients.sqs, t.provisioned.jobs.queueUrl, {
      jobId,
      reportType: "connectivity_test",
    });
    const deadline = Date.now() + 30_000;
    while ((await server.stats()).held < 1) {
      if (Date.now() > deadline) throw new Error("the job's statement never reached Snowflake");
      await new Promise((r) => setTimeout(r, 100));
    }
    let entry = "";
    while (entry === "") {
      if (Date.now() > deadline) throw new Error("the statement's query id was never recorded in S3");
      const listed = await t.clients.s3.send(
        new ListObjectsV2Command({ Bucket: t.provisioned.bucket, Prefix: `${STATEMENTS_PREFIX}${jobId}/` }),
      );
      entry = listed.Contents?.[0]?.Key ?? "";
      if (entry === "") await new Promise((r) => setTimeout(r, 100));
    }
    const recorded = JSON.parse(
      (await (
        await t.clients.s3.send(new GetObjectCommand({ Bucket: t.provisioned.bucket, Key: entry }))
      ).Body?.transformToString()) ?? "{}",
    ) as { queryId?: string };
    a.child.kill("SIGKILL");
    await a.exited;

    // Act: worker B receives the job once its visibility lapses; then Snowflake finishes the statement
    worker = spawnWorker(t.provisioned.topology.prefix, env);
    await workerReady(worker);
    const reattached = await worker.waitForLine("re-attached", 30_000);
    await server.release();
    await tap.waitFor(
      (events) => events.some((e) => e.detailType === "ReportGenerated" && e.detail.jobId === jobId),
      "the job's ReportGenerated",
      30_000,
    );
    const generated = tap.of(jobId, "ReportGenerated")[0] as { detail: Record<string, unknown> };
    const stats = await server.stats();
    await tap.dispose();

    // Assess: the statement A started was never submitted again; B's report carries its query id
    expect(recorded.queryId).toMatch(/^[0-9a-f-]{36}$/);
    expect(reattached).toContain(recorded.queryId);
    expect(stats.held).toBe(1);
    expect((generated.detail as { queryIds?: string[] }).queryIds).toContain(recorded.queryId);
    const statementsOfReport = (generated.detail as { queryIds?: string[] }).queryIds?.length ?? 0;
    expect(stats.asyncSubmitted).toBe(statementsOfReport);
  });
});
