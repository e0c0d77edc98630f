/**
 * The Snowflake adapter against what real Snowflake does to a long-running worker, on the wire: snowflake-sdk
 * 3.3 talks HTTP to the fakesnow shim, which answers scripted faults with Snowflake's own codes and bodies
 * (localstack/fakesnow/node_compat_server.py "Fault injection"); credentials come from LocalStack Secrets
 * Manager, read through a client whose GetSecretValue calls are counted.
 */
import { randomBytes } from "node:crypto";
import { CreateSecretCommand, DeleteSecretCommand } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAwsClients, destroyAwsClients } from "#services/shared/aws.js";
import { type FakesnowServer, startFakesnow } from "../../../../localstack/fakesnow/fakesnow-server.js";
import { WarehouseError } from "../../errors.js";
import {
  createSnowflakeWarehouse,
  PING_TIMEOUT_MS,
  type SnowflakeWarehouse,
} from "../../snowflake-warehouse.js";

const aws = createAwsClients();
const secretId = `test/snowflake-faults-${randomBytes(4).toString("hex")}`;
let server: FakesnowServer;
let secretReads = 0;
const open: SnowflakeWarehouse[] = [];

aws.secrets.middlewareStack.add(
  (next, context) => async (args) => {
    if (context.commandName === "GetSecretValueCommand") secretReads += 1;
    return next(args);
  },
  { step: "initialize", name: "countSecretReads" },
);

function warehouse(poolMax = 1): SnowflakeWarehouse {
  const w = createSnowflakeWarehouse({
    secretId,
    secrets: aws.secrets,
    poolMax,
    statementTimeoutSeconds: 30,
  });
  open.push(w);
  return w;
}

async function caught(promise: Promise<unknown>): Promise<WarehouseError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof WarehouseError) return error;
    throw error;
  }
  throw new Error("expected the statement to fail");
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  server = await startFakesnow();
  await aws.secrets.send(
    new CreateSecretCommand({
      Name: secretId,
      SecretString: JSON.stringify(server.secretPayload()),
    }),
  );
});

beforeEach(async () => {
  await server.reset();
  secretReads = 0;
});

afterAll(async () => {
  await Promise.all(open.map((w) => w.close().catch(() => {})));
  await aws.secrets
    .send(new DeleteSecretCommand({ SecretId: secretId, ForceDeleteWithoutRecovery: true }))
    .catch(() => {});
  destroyAwsClients(aws);
  await server?.stop();
});

describe("the Snowflake adapter against Snowflake's real failure answers (fakesnow shim)", () => {
  it("a rotated password: the first login is refused, the secret is read again once, the job succeeds", async () => {
    await server.faults([{ on: "login", code: "390100" }]);

    const result = await warehouse().query("SELECT 1 AS ok");

    expect(result.rows).toEqual([{ ok: 1 }]);
    expect(await server.stats()).toMatchObject({ logins: 2, pending: 0 });
    expect(secretReads).toBe(2);
  });

  it("a session that died mid-pool: that statement fails retryably, its connection is destroyed, the next logs in again", async () => {
    const w = warehouse(1);
    await w.query("SELECT 1 AS ok");
    await server.faults([{ on: "query", code: "390111" }]);

    const error = await caught(w.query("SELECT 2 AS two"));
    const next = await w.query("SELECT 3 AS three");

    expect(error.retryable).toBe(true);
    expect(next.rows).toEqual([{ three: 3 }]);
    expect((await server.stats()).logins).toBe(2);
  });

  it("a statement timeout (000630) is final on its first occurrence", async () => {
    await server.faults([{ on: "query", code: "000630" }]);

    const error = await caught(warehouse().query("SELECT slow()"));

    expect(error).toMatchObject({ code: "WAREHOUSE_STATEMENT_TIMEOUT", retryable: false });
    expect(error.queryId).toMatch(/^fault-/); // Snowflake's query id of the failed statement
    expect((await server.stats()).queries).toBe(1);
  });

  it("shutdown during a long statement: Snowflake receives the cancel and the statement fails as retryable INTERRUPTED", async () => {
    const w = warehouse(1);
    await server.faults([{ on: "query", hold: true, seconds: 30 }]);
    const running = caught(w.query("SELECT long_report()"));
    await until("the statement to reach Snowflake", async () => (await server.stats()).held === 1);

    const cancelled = await w.cancelRunning();
    const error = await running;

    expect(cancelled).toBe(1);
    expect((await server.stats()).aborts).toBeGreaterThanOrEqual(1);
    expect(error).toMatchObject({ code: "INTERRUPTED", retryable: true });
  });

  it("readiness answers while every job connection is busy", async () => {
    const w = warehouse(1);
    await w.query("SELECT 1 AS ok"); // the job pool is logged in
    await server.faults([{ on: "query", hold: true, seconds: 30 }]);
    const running = caught(w.query("SELECT long_report()"));
    await until("the job's statement to be running", async () => (await server.stats()).held === 1);

    const started = Date.now();
    await w.ping();
    const took = Date.now() - started;

    expect(took).toBeLessThan(PING_TIMEOUT_MS);
    await w.cancelRunning();
    expect((await running).code).toBe("INTERRUPTED");
  });
});
