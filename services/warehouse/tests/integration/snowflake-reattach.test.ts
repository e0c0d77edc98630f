/**
 * Statements that outlive their worker: with a statement ledger, the Snowflake adapter submits a job's
 * statement asynchronously and records its query id; a second adapter (another worker, after the first one
 * died or lost the message) given the same resume key re-attaches to that statement while Snowflake still
 * runs it, instead of starting it again. snowflake-sdk 3.3 talks HTTP to the fakesnow shim, which runs
 * asynchronous statements as Snowflake does (node_compat_server.py "Asynchronous statements").
 */
import { randomBytes } from "node:crypto";
import { CreateSecretCommand, DeleteSecretCommand } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { StatementLedger } from "#services/reports/warehouse.port.js";
import { createAwsClients, destroyAwsClients } from "#services/shared/aws.js";
import { type FakesnowServer, startFakesnow } from "../../../../localstack/fakesnow/fakesnow-server.js";
import { WarehouseError } from "../../errors.js";
import { createSnowflakeWarehouse, type SnowflakeWarehouse } from "../../snowflake-warehouse.js";

const aws = createAwsClients();
const secretId = `test/snowflake-reattach-${randomBytes(4).toString("hex")}`;
let server: FakesnowServer;
const open: SnowflakeWarehouse[] = [];
const KEY = "JOB_REATTACH/sales_summary-0123456789abcdef";

/** The ledger as a map (the S3 one is tested against LocalStack in services/worker/tests/integration). */
function memoryLedger(): StatementLedger & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    get: async (key) => entries.get(key),
    put: async (key, queryId) => {
      entries.set(key, queryId);
    },
  };
}

function warehouse(statements: StatementLedger): SnowflakeWarehouse {
  const w = createSnowflakeWarehouse({
    secretId,
    secrets: aws.secrets,
    poolMax: 1,
    statementTimeoutSeconds: 30,
    statements,
  });
  open.push(w);
  return w;
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
    new CreateSecretCommand({ Name: secretId, SecretString: JSON.stringify(server.secretPayload()) }),
  );
});

beforeEach(async () => {
  await server.reset();
});

afterAll(async () => {
  await Promise.all(open.map((w) => w.close().catch(() => {})));
  await aws.secrets
    .send(new DeleteSecretCommand({ SecretId: secretId, ForceDeleteWithoutRecovery: true }))
    .catch(() => {});
  destroyAwsClients(aws);
  await server?.stop();
});

describe("re-attaching to a statement by query id", () => {
  it("a second worker with the same resume key waits for the running statement instead of starting one", async () => {
    // Prepare: the first worker's statement is held running in Snowflake, its query id in the ledger
    const ledger = memoryLedger();
    await server.faults([{ on: "query", hold: true, release: true }]);
    const first = warehouse(ledger).query("SELECT 42 AS answer", [], { resumeKey: KEY, tag: "JOB_REATTACH" });
    await until("the first statement's query id in the ledger", async () => ledger.entries.has(KEY));
    // Act: another adapter (its own sessions) runs the same statement of the same job, then Snowflake finishes
    const second = warehouse(ledger).query("SELECT 42 AS answer", [], {
      resumeKey: KEY,
      tag: "JOB_REATTACH",
    });
    await until(
      "the second worker fetching the running statement's result",
      async () => (await server.stats()).resultFetches >= 2,
    );
    await server.release();
    const [a, b] = await Promise.all([first, second]);
    // Assess: one statement was submitted; both got its rows under its query id
    expect((await server.stats()).asyncSubmitted).toBe(1);
    expect(b.rows).toEqual([{ answer: 42 }]);
    expect(a.rows).toEqual([{ answer: 42 }]);
    expect(b.queryId).toBe(ledger.entries.get(KEY));
    expect(a.queryId).toBe(b.queryId);
  });

  it("a recorded statement that failed (or that Snowflake does not know) runs again", async () => {
    // Prepare: the ledger names a statement that hit its timeout, and one Snowflake never saw
    const ledger = memoryLedger();
    await server.faults([{ on: "query", code: "000630" }]);
    const failed = await warehouse(ledger)
      .query("SELECT 1 AS one", [], { resumeKey: KEY })
      .catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: "WAREHOUSE_STATEMENT_TIMEOUT", retryable: false });
    const unknownKey = "JOB_REATTACH/other-0123456789abcdef";
    ledger.entries.set(unknownKey, "01234567-89ab-cdef-0123-456789abcdef");
    // Act
    const again = await warehouse(ledger).query("SELECT 1 AS one", [], { resumeKey: KEY });
    const fresh = await warehouse(ledger).query("SELECT 2 AS two", [], { resumeKey: unknownKey });
    // Assess: three submissions, new ids recorded
    expect(again.rows).toEqual([{ one: 1 }]);
    expect(fresh.rows).toEqual([{ two: 2 }]);
    expect((await server.stats()).asyncSubmitted).toBe(3);
    expect(ledger.entries.get(KEY)).toBe(again.queryId);
    expect(ledger.entries.get(unknownKey)).toBe(fresh.queryId);
  });

  it("a draining worker cancels its asynchronous statement in Snowflake (SYSTEM$CANCEL_QUERY)", async () => {
    // Prepare: a held statement
    const ledger = memoryLedger();
    await server.faults([{ on: "query", hold: true }]);
    const w = warehouse(ledger);
    const running = w.query("SELECT 3 AS three", [], { resumeKey: KEY }).catch((e: unknown) => e);
    await until("the statement submitted", async () => ledger.entries.has(KEY));
    // Act
    const cancelled = await w.cancelRunning();
    const error = await running;
    // Assess: the cancel reached Snowflake; the job is released to run again (INTERRUPTED, retryable)
    expect(cancelled).toBe(1);
    expect((await server.stats()).aborts).toBe(1);
    expect(error).toBeInstanceOf(WarehouseError);
    expect(error).toMatchObject({ code: "INTERRUPTED", retryable: true });
  });
});
