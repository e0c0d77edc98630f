/**
 * The Snowflake adapter against a real Snowflake account. Runs only when SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER,
 * SNOWFLAKE_PASSWORD (or SNOWFLAKE_PRIVATE_KEY), SNOWFLAKE_ROLE, SNOWFLAKE_WAREHOUSE and SNOWFLAKE_DATABASE
 * are set; otherwise every test is reported as skipped (never as passed). The credentials are put into a
 * secret in the local AWS so the adapter reads them exactly as in production.
 */
import { randomBytes } from "node:crypto";
import { CreateSecretCommand, DeleteSecretCommand } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAwsClients, destroyAwsClients } from "#services/shared/aws.js";
import { WarehouseError } from "../../errors.js";
import { createSnowflakeWarehouse, type SnowflakeWarehouse } from "../../snowflake-warehouse.js";

const env = process.env;
const configured = Boolean(
  env.SNOWFLAKE_ACCOUNT &&
    env.SNOWFLAKE_USER &&
    (env.SNOWFLAKE_PASSWORD || env.SNOWFLAKE_PRIVATE_KEY) &&
    env.SNOWFLAKE_ROLE &&
    env.SNOWFLAKE_WAREHOUSE &&
    env.SNOWFLAKE_DATABASE,
);

describe.skipIf(!configured)("SnowflakeWarehouse on a live Snowflake account (SNOWFLAKE_* env)", () => {
  const aws = createAwsClients();
  const secretId = `test/snowflake-live-${randomBytes(4).toString("hex")}`;
  let warehouse: SnowflakeWarehouse;

  beforeAll(async () => {
    await aws.secrets.send(
      new CreateSecretCommand({
        Name: secretId,
        SecretString: JSON.stringify({
          account: env.SNOWFLAKE_ACCOUNT,
          user: env.SNOWFLAKE_USER,
          ...(env.SNOWFLAKE_PRIVATE_KEY
            ? {
                privateKey: env.SNOWFLAKE_PRIVATE_KEY,
                privateKeyPassphrase: env.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE,
              }
            : { password: env.SNOWFLAKE_PASSWORD }),
          role: env.SNOWFLAKE_ROLE,
          warehouse: env.SNOWFLAKE_WAREHOUSE,
          database: env.SNOWFLAKE_DATABASE,
          schema: env.SNOWFLAKE_SCHEMA,
        }),
      }),
    );
    warehouse = createSnowflakeWarehouse({
      secretId,
      secrets: aws.secrets,
      poolMax: 2,
      statementTimeoutSeconds: 120,
    });
  }, 120_000);

  afterAll(async () => {
    await warehouse?.close();
    await aws.secrets.send(new DeleteSecretCommand({ SecretId: secretId, ForceDeleteWithoutRecovery: true }));
    destroyAwsClients(aws);
  });

  it("runs a bound query tagged with the job id and returns the query id", async () => {
    const tag = `live-${randomBytes(4).toString("hex")}`;

    const result = await warehouse.query("SELECT ? AS v", ["'; DROP TABLE x; --"], { tag });
    const history = await warehouse.query(
      "SELECT query_tag FROM TABLE(information_schema.query_history(RESULT_LIMIT => 1000)) WHERE query_id = ?",
      [result.queryId],
    );

    expect(result.rows).toEqual([{ v: "'; DROP TABLE x; --" }]);
    expect(history.rows).toEqual([{ query_tag: tag }]);
  });

  it("streams a generated result", async () => {
    let count = 0;
    for await (const _ of warehouse.stream(
      "SELECT SEQ4() AS n FROM TABLE(GENERATOR(ROWCOUNT => ?))",
      [50_000],
    )) {
      count += 1;
    }

    expect(count).toBe(50_000);
  });

  it("maps a missing object to a non-retryable error", async () => {
    const error = await warehouse.query("SELECT * FROM no_such_table_report_pipeline").then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(WarehouseError);
    expect((error as WarehouseError).retryable).toBe(false);
    expect((error as WarehouseError).code).toBe("WAREHOUSE_OBJECT_NOT_FOUND");
  });

  it("re-attaches a second adapter to the first one's running asynchronous statement by its query id", async () => {
    // Prepare: a ledger shared by two adapters (two workers); a statement that runs a few seconds
    const entries = new Map<string, string>();
    const statements = {
      get: async (key: string) => entries.get(key),
      put: async (key: string, id: string) => {
        entries.set(key, id);
      },
    };
    const make = () =>
      createSnowflakeWarehouse({
        secretId,
        secrets: aws.secrets,
        poolMax: 1,
        statementTimeoutSeconds: 60,
        statements,
      });
    const [a, b] = [make(), make()];
    const key = `LIVE_${randomBytes(3).toString("hex")}/wait-0123456789abcdef`;
    try {
      // Act
      const first = a.query("SELECT SYSTEM$WAIT(4) AS waited, 7 AS seven", [], { resumeKey: key });
      const deadline = Date.now() + 30_000;
      while (!entries.has(key) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const second = await b.query("SELECT SYSTEM$WAIT(4) AS waited, 7 AS seven", [], { resumeKey: key });
      const one = await first;
      // Assess: one statement, the same rows for both
      expect(second.queryId).toBe(one.queryId);
      expect(second.rows).toEqual([{ waited: "waited 4 seconds", seven: 7 }]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  }, 120_000);
});
