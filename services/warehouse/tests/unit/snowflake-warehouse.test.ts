/**
 * SnowflakeWarehouse's own logic with snowflake-sdk replaced by a scripted fake: what it sends with every
 * statement (binds, QUERY_TAG, statement timeout), how it shapes rows, when it releases or destroys a
 * pooled connection, and the one-time credential refresh on an authentication failure. The SDK's wire
 * behaviour is covered by the fakesnow integration test.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { describe, expect, it } from "vitest";
import { createLogger, redact } from "#services/shared/logger.js";
import { WarehouseConfigError, WarehouseError } from "../../errors.js";
import type { SnowflakeCredentials } from "../../snowflake-credentials.js";
import {
  columnInfos,
  PING_TIMEOUT_MS,
  PINNED_SESSION_PARAMETERS,
  type SnowflakeConnectionLike,
  type SnowflakeExecuteOptions,
  type SnowflakePoolLike,
  type SnowflakeSdk,
  type SnowflakeStatementLike,
  SnowflakeWarehouse,
  sdkLogSink,
} from "../../snowflake-warehouse.js";

interface Outcome {
  error?: unknown;
  rows?: Record<string, unknown>[];
  columns?: Array<[string, string]>;
}

function statement(outcome: Outcome, queryId: string): SnowflakeStatementLike {
  return {
    getQueryId: () => queryId,
    getColumns: () =>
      (outcome.columns ?? []).map(([name, type]) => ({ getName: () => name, getType: () => type })),
    streamRows: () => Readable.from(outcome.rows ?? []),
  };
}

/** A fake SDK: each execute takes the next scripted outcome; records what was sent and pool traffic. */
function fakeSdk(script: Array<Outcome | { acquireError: unknown }>) {
  const sent: SnowflakeExecuteOptions[] = [];
  const pools: Array<{ options: Record<string, unknown>; poolOptions: Record<string, unknown> }> = [];
  const log: string[] = [];
  let n = 0;
  const connection: SnowflakeConnectionLike = {
    execute(options) {
      sent.push(options);
      const outcome = script.shift() as Outcome;
      const stmt = statement(outcome, `qid-${++n}`);
      setImmediate(() =>
        options.complete(outcome.error, stmt, options.streamResult ? undefined : outcome.rows),
      );
    },
  };
  const sdk: SnowflakeSdk = {
    createPool(options, poolOptions) {
      pools.push({ options: options as Record<string, unknown>, poolOptions });
      const pool: SnowflakePoolLike = {
        async acquire() {
          const next = script[0];
          if (next && "acquireError" in next) {
            script.shift();
            throw next.acquireError;
          }
          log.push("acquire");
          return connection;
        },
        async release() {
          log.push("release");
        },
        async destroy() {
          log.push("destroy");
        },
        async drain() {},
        async clear() {},
      };
      return pool;
    },
  };
  return { sdk, sent, pools, log };
}

const credentials: SnowflakeCredentials = {
  account: "xy12345",
  user: "SVC",
  password: "s3cret-pass",
  role: "R",
  warehouse: "W",
  database: "D",
};

function warehouseWith(
  sdk: SnowflakeSdk,
  loads: { count: number },
  extra: { statementTimeoutSeconds?: number } = {},
) {
  return new SnowflakeWarehouse({
    secretId: "report-pipeline/snowflake",
    secrets: {} as SecretsManagerClient,
    sdk,
    loadCredentials: async () => {
      loads.count += 1;
      return credentials;
    },
    ...extra,
  });
}

const authError = () =>
  Object.assign(new Error("Incorrect username or password was specified."), {
    name: "OperationFailedError",
    code: "390100",
    sqlState: "08004",
  });

async function caught(promise: Promise<unknown>): Promise<WarehouseError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof WarehouseError) return error;
    throw error;
  }
  throw new Error("expected a failure");
}

describe("SnowflakeWarehouse.query", () => {
  it("sends binds, QUERY_TAG and the per-query timeout, and returns lower-case JSON-safe rows", async () => {
    const fake = fakeSdk([
      {
        rows: [
          {
            ID: 7,
            DAY: new Date(Date.UTC(2025, 7, 3)),
            AT: new Date(Date.UTC(2025, 7, 3, 15, 46, 8, 858)),
            BIG: 12n,
          },
        ],
        columns: [
          ["ID", "fixed"],
          ["DAY", "date"],
          ["AT", "timestamp_ntz"],
          ["BIG", "fixed"],
        ],
      },
    ]);
    const warehouse = warehouseWith(fake.sdk, { count: 0 });

    const result = await warehouse.query(
      "SELECT * FROM t WHERE a = ? AND b = ?",
      ["x'; DROP TABLE t; --", 5],
      {
        tag: "job-42",
        timeoutMs: 2500,
      },
    );

    expect(fake.sent[0]).toMatchObject({
      sqlText: "SELECT * FROM t WHERE a = ? AND b = ?",
      binds: ["x'; DROP TABLE t; --", 5],
      parameters: { ...PINNED_SESSION_PARAMETERS, QUERY_TAG: "job-42", STATEMENT_TIMEOUT_IN_SECONDS: 3 },
      streamResult: false,
    });
    expect(result).toEqual({
      rows: [{ id: 7, day: "2025-08-03", at: "2025-08-03T15:46:08.858Z", big: 12 }],
      queryId: "qid-1",
    });
    expect(fake.log).toEqual(["acquire", "release"]);
  });

  it("uses the configured statement timeout when the query gives none, and no tag when none is given", async () => {
    const fake = fakeSdk([{ rows: [] }]);
    const warehouse = warehouseWith(fake.sdk, { count: 0 }, { statementTimeoutSeconds: 90 });

    await warehouse.query("SELECT 1");

    expect(fake.sent[0]?.parameters).toEqual({
      ...PINNED_SESSION_PARAMETERS,
      STATEMENT_TIMEOUT_IN_SECONDS: 90,
    });
  });

  it("rejects an unbindable value before using a connection, naming its position", async () => {
    const fake = fakeSdk([]);
    const warehouse = warehouseWith(fake.sdk, { count: 0 });

    const error = await caught(warehouse.query("SELECT ?, ?", ["ok", { nested: true }]));

    expect(error.message).toBe("binds[1]: unsupported bind type object");
    expect(error.retryable).toBe(false);
    expect(fake.log).toEqual([]);
  });

  it("maps a statement timeout as final (it would recur) and gives the connection back", async () => {
    const fake = fakeSdk([
      {
        error: Object.assign(new Error("Statement reached its statement or warehouse timeout"), {
          code: "000630",
          sqlState: "57014",
        }),
      },
    ]);
    const warehouse = warehouseWith(fake.sdk, { count: 0 });

    const error = await caught(warehouse.query("SELECT slow()"));

    expect(error.retryable).toBe(false);
    expect(error.code).toBe("WAREHOUSE_STATEMENT_TIMEOUT");
    expect(error.queryId).toBe("qid-1"); // into ReportFailed.error.queryIds, for Snowflake's query history
    expect(fake.log).toEqual(["acquire", "release"]);
  });

  it("reads the secret once and reuses the pool across queries", async () => {
    const fake = fakeSdk([{ rows: [] }, { rows: [] }]);
    const loads = { count: 0 };
    const warehouse = warehouseWith(fake.sdk, loads);

    await warehouse.query("SELECT 1");
    await warehouse.query("SELECT 2");

    expect(loads.count).toBe(1);
    expect(fake.pools).toHaveLength(1);
    expect(fake.pools[0]?.options).toMatchObject({
      account: "xy12345",
      username: "SVC",
      authenticator: "SNOWFLAKE",
    });
  });
});

describe("SnowflakeWarehouse credential refresh", () => {
  it("re-reads the secret once when login is rejected, then succeeds", async () => {
    const fake = fakeSdk([{ acquireError: authError() }, { rows: [{ OK: 1 }] }]);
    const loads = { count: 0 };
    const warehouse = warehouseWith(fake.sdk, loads);

    const result = await warehouse.query("SELECT 1 AS ok");

    expect(result.rows).toEqual([{ ok: 1 }]);
    expect(loads.count).toBe(2);
    expect(fake.pools).toHaveLength(2);
  });

  it("re-reads the secret when the pool rethrows a failed login without its code (as snowflake-sdk 3.3 does)", async () => {
    // core.js: the pool's factory rejects with `new Error(err.message)`: no code, no sqlState
    const rethrown = () => new Error("Incorrect username or password was specified.");
    const fake = fakeSdk([{ acquireError: rethrown() }, { rows: [{ OK: 1 }] }]);
    const loads = { count: 0 };
    const warehouse = warehouseWith(fake.sdk, loads);

    const result = await warehouse.query("SELECT 1 AS ok");

    expect(result.rows).toEqual([{ ok: 1 }]);
    expect(loads.count).toBe(2);

    // and when the re-read secret is refused too: a configuration error, not a retryable outage
    const stuck = fakeSdk([{ acquireError: rethrown() }, { acquireError: rethrown() }, { rows: [] }]);
    const error = await caught(warehouseWith(stuck.sdk, { count: 0 }).query("SELECT 1"));
    expect(error).toBeInstanceOf(WarehouseConfigError);
  });

  it("does not re-read the secret for a network failure to connect", async () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 10.0.0.1:443"), { code: "ECONNREFUSED" });
    const fake = fakeSdk([{ acquireError: refused }, { rows: [] }]);
    const loads = { count: 0 };

    const error = await caught(warehouseWith(fake.sdk, loads).query("SELECT 1"));

    expect(error.retryable).toBe(true);
    expect(loads.count).toBe(1);
  });

  it("re-reads once when a statement's session is rejected, and retries the statement once", async () => {
    const fake = fakeSdk([{ error: authError() }, { rows: [{ OK: 1 }] }]);
    const loads = { count: 0 };
    const warehouse = warehouseWith(fake.sdk, loads);

    const result = await warehouse.query("SELECT 1 AS ok");

    expect(result.rows).toEqual([{ ok: 1 }]);
    expect(fake.sent).toHaveLength(2);
    expect(fake.log).toEqual(["acquire", "destroy", "acquire", "release"]);
  });

  it("gives up after one refresh with a WarehouseConfigError that carries no secret value", async () => {
    const fake = fakeSdk([{ acquireError: authError() }, { acquireError: authError() }, { rows: [] }]);
    const loads = { count: 0 };
    const warehouse = warehouseWith(fake.sdk, loads);

    const error = await caught(warehouse.query("SELECT 1"));

    expect(error).toBeInstanceOf(WarehouseConfigError);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("report-pipeline/snowflake");
    expect(`${error.message} ${JSON.stringify(error)} ${String(error.cause)}`).not.toContain("s3cret-pass");
    expect(loads.count).toBe(2);
  });
});

describe("SnowflakeWarehouse.cancelRunning", () => {
  it("cancels the statement still running; its query fails as retryable INTERRUPTED, not as a final cancel", async () => {
    const cancels: string[] = [];
    let complete: SnowflakeExecuteOptions["complete"] | undefined;
    const stmt: SnowflakeStatementLike = {
      getQueryId: () => "qid-long",
      getColumns: () => [],
      streamRows: () => Readable.from([]),
      cancel(callback) {
        cancels.push("cancel");
        // Snowflake answers the running statement with 000604 once it is cancelled
        setImmediate(() =>
          complete?.(
            Object.assign(new Error("SQL execution canceled"), { code: "000604", sqlState: "57014" }),
            stmt,
          ),
        );
        callback?.();
      },
    };
    const connection: SnowflakeConnectionLike = {
      execute(options) {
        complete = options.complete;
        return stmt;
      },
    };
    const sdk: SnowflakeSdk = {
      createPool: () => ({
        acquire: async () => connection,
        release: async () => {},
        destroy: async () => {},
        drain: async () => {},
        clear: async () => {},
      }),
    };
    const warehouse = new SnowflakeWarehouse({
      secretId: "s",
      secrets: {} as SecretsManagerClient,
      sdk,
      loadCredentials: async () => credentials,
    });
    const running = caught(warehouse.query("SELECT long_report()"));
    await new Promise((r) => setTimeout(r, 20));

    const cancelled = await warehouse.cancelRunning();
    const error = await running;

    expect(cancelled).toBe(1);
    expect(cancels).toEqual(["cancel"]);
    expect(error).toMatchObject({ code: "INTERRUPTED", retryable: true, queryId: "qid-long" });
    expect(await warehouse.cancelRunning()).toBe(0);
  });
});

describe("SnowflakeWarehouse readiness", () => {
  it("answers the ping on a connection of its own while every job connection is busy", async () => {
    // A pool that honours `max`: acquire waits while `max` connections are out.
    const pools: Array<Record<string, unknown>> = [];
    const hang: SnowflakeConnectionLike = { execute() {} }; // a report that runs and runs
    const quick: SnowflakeConnectionLike = {
      execute(options) {
        setImmediate(() =>
          options.complete(undefined, statement({ rows: [{ OK: 1 }] }, "qid-ping"), [{ OK: 1 }]),
        );
      },
    };
    const sdk: SnowflakeSdk = {
      createPool(_options, poolOptions) {
        pools.push(poolOptions);
        let out = 0;
        const max = Number(poolOptions.max);
        return {
          async acquire() {
            if (out >= max) return new Promise<never>(() => {}); // queued behind the reports
            out += 1;
            return pools.length === 1 ? hang : quick;
          },
          async release() {
            out -= 1;
          },
          async destroy() {
            out -= 1;
          },
          async drain() {},
          async clear() {},
        };
      },
    };
    const warehouse = new SnowflakeWarehouse({
      secretId: "s",
      secrets: {} as SecretsManagerClient,
      sdk,
      poolMax: 2,
      loadCredentials: async () => credentials,
    });
    void warehouse.query("SELECT long_report()");
    void warehouse.query("SELECT long_report()");
    await new Promise((r) => setTimeout(r, 20));

    const started = Date.now();
    await warehouse.ping();

    expect(Date.now() - started).toBeLessThan(1000);
    expect(pools.map((p) => p.max)).toEqual([2, 1]);
    expect(pools[1]).toMatchObject({ acquireTimeoutMillis: PING_TIMEOUT_MS });
  });
});

describe("SnowflakeWarehouse and dead sessions", () => {
  it.each([
    ["407002 connection already terminated", { code: "407002", sqlState: "08003" }],
    ["390111 session no longer exists", { code: "390111", sqlState: "08001" }],
  ])("destroys the connection after %s instead of giving it back", async (_what, fields) => {
    const dead = Object.assign(new Error("Unable to perform operation using terminated connection."), fields);
    const fake = fakeSdk([{ error: dead }, { rows: [{ OK: 1 }] }]);
    const warehouse = warehouseWith(fake.sdk, { count: 0 });

    const error = await caught(warehouse.query("SELECT 1"));
    const next = await warehouse.query("SELECT 1 AS ok");

    expect(error.retryable).toBe(true);
    expect(next.rows).toEqual([{ ok: 1 }]);
    expect(fake.log).toEqual(["acquire", "destroy", "acquire", "release"]);
  });

  it("asks the pool to test a connection before handing it out", async () => {
    const fake = fakeSdk([{ rows: [] }]);
    await warehouseWith(fake.sdk, { count: 0 }).query("SELECT 1");

    expect(fake.pools[0]?.poolOptions).toMatchObject({ testOnBorrow: true });
  });
});

describe("SnowflakeWarehouse.stream", () => {
  it("streams rows with streamResult on, knows the query id, and releases the connection at the end", async () => {
    const fake = fakeSdk([{ rows: [{ N: 1 }, { N: 2 }, { N: 3 }], columns: [["N", "fixed"]] }]);
    const warehouse = warehouseWith(fake.sdk, { count: 0 });

    const rows = warehouse.stream("SELECT n FROM big WHERE n > ?", [0], { tag: "job-9" });
    const queryId = await rows.queryId();
    const seen: unknown[] = [];
    for await (const row of rows) seen.push(row);

    expect(queryId).toBe("qid-1");
    expect(seen).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(fake.sent[0]).toMatchObject({
      streamResult: true,
      binds: [0],
      parameters: expect.objectContaining({ ...PINNED_SESSION_PARAMETERS, QUERY_TAG: "job-9" }),
    });
    expect(fake.log).toEqual(["acquire", "release"]);
  });

  it("destroys the connection when the consumer stops early", async () => {
    const fake = fakeSdk([{ rows: [{ N: 1 }, { N: 2 }] }]);
    const warehouse = warehouseWith(fake.sdk, { count: 0 });

    for await (const _ of warehouse.stream("SELECT n FROM big")) break;

    expect(fake.log).toEqual(["acquire", "destroy"]);
  });

  it("reports the result's column types once read (for Parquet): NUMBER with precision and scale", async () => {
    const fake = fakeSdk([{ rows: [{ N: "1.50", WHEN: "2025-01-01" }] }]);
    const warehouse = warehouseWith(fake.sdk, { count: 0 });
    const rows = warehouse.stream("SELECT n, when FROM t");
    expect(rows.columns?.()).toBeUndefined();

    for await (const _ of rows);

    expect(rows.columns?.()).toEqual([]);
    expect(
      columnInfos({
        getQueryId: () => "q",
        streamRows: () => Readable.from([]),
        getColumns: () => [
          { getName: () => "AMOUNT", getType: () => "fixed", getPrecision: () => 38, getScale: () => 2 },
          { getName: () => "AT", getType: () => "timestamp_ntz" },
          { getName: () => "NOTE", getType: () => "text" },
          { getName: () => "DOC", getType: () => "variant" },
        ],
      }),
    ).toEqual([
      { name: "amount", type: "fixed", precision: 38, scale: 2 },
      { name: "at", type: "timestamp" },
      { name: "note", type: "text" },
      { name: "doc", type: "other" },
    ]);
  });

  it("runs nothing until it is read", async () => {
    const fake = fakeSdk([{ rows: [] }]);
    const warehouse = warehouseWith(fake.sdk, { count: 0 });

    warehouse.stream("SELECT 1");
    await new Promise((r) => setImmediate(r));

    expect(fake.sent).toHaveLength(0);
  });
});

describe("snowflake-sdk's own logging", () => {
  it("goes through the project's JSON logger (redacted), not snowflake.log or the console", async () => {
    const lines: string[] = [];
    const logger = createLogger({ service: "report-worker", level: "debug", write: (l) => lines.push(l) });
    redact("hunter2-secret-value");
    const cwdLog = join(process.cwd(), "snowflake.log");
    const existedBefore = existsSync(cwdLog);

    // the real SDK module: the constructor configures it (no connection is made)
    new SnowflakeWarehouse({
      secretId: "unused",
      secrets: {} as never,
      sdkLogLevel: "INFO",
      logger,
    });
    sdkLogSink(logger).warn("login failed for password hunter2-secret-value");

    const parsed = lines.map(
      (l) => JSON.parse(l) as { component?: string; message: string; sdkMessage?: string },
    );
    expect(
      parsed.some((l) => l.component === "snowflake-sdk" && /Configuring logger/.test(l.sdkMessage ?? "")),
    ).toBe(true);
    expect(lines.join("\n")).not.toContain("hunter2-secret-value");
    expect(existsSync(cwdLog)).toBe(existedBefore);
  });
});

describe("SnowflakeWarehouse statement ledger", () => {
  it("runs the statement when the ledger cannot be read or written, and says so in the log", async () => {
    // Prepare: an SDK that runs asynchronously, and a ledger that fails both ways
    const submitted: SnowflakeExecuteOptions[] = [];
    const connection: SnowflakeConnectionLike = {
      execute(options) {
        submitted.push(options);
        setImmediate(() =>
          options.complete(undefined, statement({}, "01234567-89ab-cdef-0123-456789abcdef")),
        );
      },
      getQueryStatus: async () => "SUCCESS",
      isStillRunning: () => false,
      fetchResult(options) {
        const stmt = statement({ rows: [{ OK: 1 }], columns: [["OK", "fixed"]] }, options.queryId);
        setImmediate(() =>
          options.complete(undefined, stmt, options.streamResult ? undefined : [{ OK: "1" }]),
        );
      },
    };
    const sdk: SnowflakeSdk = {
      createPool: () => ({
        acquire: async () => connection,
        release: async () => {},
        destroy: async () => {},
        drain: async () => {},
        clear: async () => {},
      }),
    };
    const lines: string[] = [];
    const warehouse = new SnowflakeWarehouse({
      secretId: "s",
      secrets: {} as SecretsManagerClient,
      sdk,
      loadCredentials: async () => credentials,
      logger: createLogger({ service: "test", write: (line: string) => lines.push(line) }),
      statements: {
        get: async () => {
          throw new Error("S3 down");
        },
        put: async () => {
          throw new Error("S3 down");
        },
      },
    });
    // Act
    const result = await warehouse.query("SELECT 1 AS ok", [], { resumeKey: "JOB/file-0123456789abcdef" });
    // Assess: submitted once, asynchronously, with the pinned parameters; the rows came by query id
    expect(result).toEqual({ rows: [{ ok: 1 }], queryId: "01234567-89ab-cdef-0123-456789abcdef" });
    expect(submitted).toHaveLength(1);
    expect(submitted[0]).toMatchObject({ asyncExec: true, parameters: PINNED_SESSION_PARAMETERS });
    expect(lines.join("\n")).toContain("statement ledger unreadable");
    expect(lines.join("\n")).toContain("statement ledger not written");
  });
});
