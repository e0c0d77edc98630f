/**
 * The Snowflake adapter against real Snowflake wire traffic: snowflake-sdk talks HTTP to a private fakesnow
 * server (started here, stopped after), credentials come from a secret in LocalStack Secrets Manager.
 *
 * fakesnow answers in Arrow, which snowflake-sdk cannot read; the server runs behind
 * `fakesnow/node_compat_server.py`, which re-encodes results as Snowflake's JSON rowset (see there).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateSecretCommand, DeleteSecretCommand } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderParquet } from "#services/reports/render-parquet.js";
import { createAwsClients, destroyAwsClients } from "#services/shared/aws.js";
import { type FakesnowServer, startFakesnow } from "../../../../localstack/fakesnow/fakesnow-server.js";
import { pyarrowRead } from "../../../../localstack/fakesnow/pyarrow-read.js";
import { createDuckDbWarehouse } from "../../duckdb-warehouse.js";
import { WarehouseError } from "../../errors.js";
import { createSnowflakeWarehouse, type SnowflakeWarehouse } from "../../snowflake-warehouse.js";
import { EXACT_NUMBERS_ROW, EXACT_NUMBERS_SQL } from "../fixtures/exact-numbers.js";

const aws = createAwsClients();
const secretId = `test/snowflake-fakesnow-${randomBytes(4).toString("hex")}`;
let server: FakesnowServer;
let warehouse: SnowflakeWarehouse;

async function chunksOf(body: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return chunks;
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

beforeAll(async () => {
  server = await startFakesnow();
  await aws.secrets.send(
    new CreateSecretCommand({
      Name: secretId,
      SecretString: JSON.stringify(server.secretPayload()),
    }),
  );
  // poolMax 1: a connection that is not given back after a stream would hang the next statement
  warehouse = createSnowflakeWarehouse({ secretId, secrets: aws.secrets, poolMax: 1 });
  await warehouse.query("CREATE SCHEMA IF NOT EXISTS analytics_platform.reporting");
  await warehouse.query(
    "CREATE OR REPLACE TABLE customers (id INTEGER, name VARCHAR, tier VARCHAR, since DATE)",
  );
  for (const [id, name, tier] of [
    [1, "Acme", "Enterprise"],
    [2, "Globex", "Premium"],
    [3, "Initech", "Standard"],
  ]) {
    await warehouse.query("INSERT INTO customers VALUES (?, ?, ?, '2024-02-03')", [id, name, tier]);
  }
}, 180_000);

afterAll(async () => {
  await warehouse?.close();
  await server?.stop();
  await aws.secrets.send(new DeleteSecretCommand({ SecretId: secretId, ForceDeleteWithoutRecovery: true }));
  destroyAwsClients(aws);
});

describe("SnowflakeWarehouse on fakesnow", () => {
  it("runs a bound query and returns lower-case, JSON-safe rows with the statement's query id", async () => {
    const result = await warehouse.query(
      "SELECT id, name, since FROM customers WHERE tier = ? AND id >= ? ORDER BY id",
      ["Premium", 1],
      { tag: "job-123" },
    );

    expect(result.rows).toEqual([{ id: 2, name: "Globex", since: "2024-02-03" }]);
    expect(result.queryId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("binds an injection string as data: it matches nothing, then is stored verbatim, and the table survives", async () => {
    const attack = "'; DROP TABLE customers; --";

    const before = await warehouse.query("SELECT count(*) AS n FROM customers WHERE name = ?", [attack]);
    await warehouse.query("INSERT INTO customers VALUES (?, ?, ?, NULL)", [99, attack, "Standard"]);
    const stored = await warehouse.query("SELECT name FROM customers WHERE id = ?", [99]);
    const all = await warehouse.query("SELECT count(*) AS n FROM customers");

    expect(before.rows).toEqual([{ n: 0 }]);
    expect(stored.rows).toEqual([{ name: attack }]);
    expect(all.rows).toEqual([{ n: 4 }]);
    await warehouse.query("DELETE FROM customers WHERE id = ?", [99]);
  });

  it("streams rows one by one with the query id known up front", async () => {
    const rows = warehouse.stream("SELECT id, tier FROM customers WHERE id <= ? ORDER BY id", [3], {
      tag: "job-stream",
    });

    const queryId = await rows.queryId();
    const seen: unknown[] = [];
    for await (const row of rows) seen.push(row);

    expect(queryId).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen).toEqual([
      { id: 1, tier: "Enterprise" },
      { id: 2, tier: "Premium" },
      { id: 3, tier: "Standard" },
    ]);
  });

  it("streams a generated 20 000-row result, the row count bound as a parameter", async () => {
    let count = 0;
    let sum = 0;

    for await (const row of warehouse.stream(
      "SELECT SEQ4() AS n FROM TABLE(GENERATOR(ROWCOUNT => ?))",
      [20_000],
    )) {
      count += 1;
      sum += row.n as number;
    }

    expect(count).toBe(20_000);
    expect(sum).toBe((19_999 * 20_000) / 2);
  });

  it("gives the connection back when the consumer stops a stream early", async () => {
    const rows = warehouse.stream("SELECT id FROM customers ORDER BY id");
    for await (const row of rows) {
      expect(row).toEqual({ id: 1 });
      break;
    }

    // with a pool of one, this would wait forever if the stream had kept its connection
    const after = await warehouse.query("SELECT count(*) AS n FROM customers");

    expect(after.rows).toEqual([{ n: 3 }]);
  });

  it("maps a missing table to a non-retryable WarehouseQueryError", async () => {
    const error = await caught(warehouse.query("SELECT * FROM no_such_table WHERE id = ?", [1]));

    expect(error.name).toBe("WarehouseQueryError");
    expect(error.retryable).toBe(false);
    expect(error.code).toBe("WAREHOUSE_OBJECT_NOT_FOUND");
    expect(error.message).toContain("002003");
  });

  it("maps a SQL syntax error to a non-retryable WarehouseQueryError", async () => {
    const error = await caught(warehouse.query("SELEC id FROM customers"));

    expect(error.retryable).toBe(false);
    expect(error.code).toBe("WAREHOUSE_SQL_INVALID");
  });

  it("fails a stream over a broken statement with a mapped error, from the iterator and queryId()", async () => {
    const rows = warehouse.stream("SELECT * FROM no_such_table");

    const fromQueryId = await caught(rows.queryId());
    const fromIterator = await caught(
      (async () => {
        for await (const _ of rows) {
          /* nothing arrives */
        }
      })(),
    );

    expect(fromQueryId.code).toBe("WAREHOUSE_OBJECT_NOT_FOUND");
    expect(fromIterator.retryable).toBe(false);
  });

  it("keeps integers exact past 2^53 (a decimal string, as the DuckDB adapter gives), small ones as numbers", async () => {
    const { rows } = await warehouse.query(
      "SELECT CAST(9007199254740993 AS NUMBER(38, 0)) AS big, CAST(12 AS INTEGER) AS small",
    );

    expect(rows).toEqual([{ big: "9007199254740993", small: 12 }]);
  });

  it("keeps NUMBER(38,2) exact as the DuckDB adapter keeps DECIMAL: the same statement, the same row", async () => {
    const { rows } = await warehouse.query(EXACT_NUMBERS_SQL);

    expect(rows).toEqual([EXACT_NUMBERS_ROW]);
  });

  it("streams a result into Parquet with Snowflake's column types, decimals exact; DuckDB and pyarrow read it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fakesnow-parquet-"));
    const path = join(dir, "exact.parquet");
    const stream = warehouse.stream(EXACT_NUMBERS_SQL);
    writeFileSync(path, Buffer.concat(await chunksOf(renderParquet(stream, () => stream.columns?.()))));
    const people = join(dir, "customers.parquet");
    const customers = warehouse.stream(
      "SELECT id, name, since FROM customers WHERE id <= ? ORDER BY id",
      [3],
    );
    writeFileSync(
      people,
      Buffer.concat(await chunksOf(renderParquet(customers, () => customers.columns?.(), 2))),
    );

    const arrow = pyarrowRead(path);
    const arrowPeople = pyarrowRead(people);
    const duck = createDuckDbWarehouse({ sampleData: false });
    const { rows } = await duck.query(
      `SELECT CAST(huge_money AS VARCHAR) AS huge_money, CAST(big_integer AS VARCHAR) AS big_integer, money, ratio FROM read_parquet('${path}')`,
    );
    await duck.close();
    rmSync(dir, { recursive: true, force: true });

    expect(stream.columns?.()?.find((c) => c.name === "huge_money")).toMatchObject({
      type: "fixed",
      scale: 2,
    });
    expect(arrow.schema.huge_money).toMatch(/^decimal128\(\d+, 2\)$/);
    expect(arrow.rows[0]).toMatchObject({
      huge_money: "12345678901234567.89",
      big_integer: "9007199254740993",
    });
    expect(rows[0]).toMatchObject({
      huge_money: "12345678901234567.89",
      big_integer: "9007199254740993",
      ratio: 0.25,
    });
    expect(arrowPeople).toMatchObject({ num_rows: 3, row_groups: 2 });
    expect(arrowPeople.schema).toMatchObject({ name: "string", since: "date32[day]" });
    expect(arrowPeople.rows[0]).toMatchObject({ name: "Acme", since: "2024-02-03" });
  });

  it("answers ping", async () => {
    await expect(warehouse.ping()).resolves.toBeUndefined();
  });
});
