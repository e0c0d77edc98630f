/**
 * e2e, health that does not restart healthy tasks: the real worker on LocalStack with its warehouse down
 * (WAREHOUSE=snowflake pointed at a port nobody listens on). Liveness — what the container health check
 * asks — stays 200; readiness answers 503 naming the warehouse with a code and no error text. With a warehouse
 * that answers (the embedded DuckDB) both are 200.
 */
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { CreateSecretCommand, DeleteSecretCommand } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningWorker } from "#services/worker/main.js";
import { createTestTopology, type TestTopology } from "../../../localstack/testing.js";
import { startTestWorker } from "./support.js";

/** A loopback port that was free a moment ago: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("worker health: liveness and readiness", () => {
  let t: TestTopology;
  const workers: RunningWorker[] = [];
  const secretId = `test/health-${randomBytes(4).toString("hex")}`;

  beforeAll(async () => {
    t = await createTestTopology();
    await t.clients.secrets.send(
      new CreateSecretCommand({
        Name: secretId,
        SecretString: JSON.stringify({
          account: "nowhere",
          user: "svc",
          password: "not-a-real-password-1",
          role: "REPORTING",
          warehouse: "REPORTS_WH",
          database: "analytics_platform",
          host: "127.0.0.1",
          port: await closedPort(),
          protocol: "http",
        }),
      }),
    );
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await t?.clients.secrets
      .send(new DeleteSecretCommand({ SecretId: secretId, ForceDeleteWithoutRecovery: true }))
      .catch(() => {});
    await t?.dispose();
  });

  it("stays live while the warehouse is down, and is unready with the warehouse's code", async () => {
    // Prepare
    const worker = await startTestWorker(t.provisioned.topology.prefix, {
      WAREHOUSE: "snowflake",
      SNOWFLAKE_SECRET_ID: secretId,
    });
    workers.push(worker);
    // Act
    const live = await fetch(`http://127.0.0.1:${worker.port}/health/live`);
    const ready = await fetch(`http://127.0.0.1:${worker.port}/health/ready`);
    const body = (await ready.json()) as {
      ready: boolean;
      checks: Record<string, { ok: boolean; code?: string }>;
    };
    // Assess
    expect(live.status).toBe(200);
    expect(ready.status).toBe(503);
    expect(body.ready).toBe(false);
    expect(body.checks.queue).toEqual({ ok: true });
    expect(body.checks.warehouse?.ok).toBe(false);
    expect(body.checks.warehouse?.code).toMatch(/^WAREHOUSE_[A-Z_]+$/);
    expect(JSON.stringify(body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|password/);
  });

  it("is live and ready with a warehouse that answers", async () => {
    const worker = await startTestWorker(t.provisioned.topology.prefix);
    workers.push(worker);

    const live = await fetch(`http://127.0.0.1:${worker.port}/health/live`);
    const ready = await fetch(`http://127.0.0.1:${worker.port}/health/ready`);

    expect(live.status).toBe(200);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      ready: true,
      checks: { consumer: { ok: true, inFlight: 0 } },
    });
  });

  it("serves no job intake: the front door's routes are the intake's (501 on the worker)", async () => {
    const worker = await startTestWorker(t.provisioned.topology.prefix);
    workers.push(worker);
    const post = (path: string) =>
      fetch(`http://127.0.0.1:${worker.port}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jobId: "WORKER_DOOR_1", reportType: "connectivity_test", data: [] }),
      });

    const answers = [
      await post("/jobs"),
      await post("/snowflake/submit"),
      await fetch(`http://127.0.0.1:${worker.port}/jobs/X`),
    ];

    expect(answers.map((a) => a.status)).toEqual([501, 501, 501]);
    const first = (await answers[0]?.json()) as { error?: { code?: string } } | undefined;
    expect(first?.error?.code).toBe("NOT_IMPLEMENTED");
  });
});
