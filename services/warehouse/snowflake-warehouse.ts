/**
 * The Snowflake adapter of the Warehouse port (`snowflake-sdk`).
 *
 * - Credentials come from a Secrets Manager secret (see snowflake-credentials.ts), read on first use and
 *   cached; when Snowflake rejects them the secret is re-read once (a rotated password), the pool rebuilt
 *   and the statement retried once; if that fails too the error is a WarehouseConfigError.
 * - Connections come from snowflake-sdk's pool (generic-pool); a stream holds its connection until the
 *   consumer finishes, breaks or fails.
 * - Every statement carries `QUERY_TAG` (the job id) and `STATEMENT_TIMEOUT_IN_SECONDS` as statement-level
 *   parameters, and its values as positional binds — SQL text is never built from values.
 * - `stream` uses `streamResult: true` + `statement.streamRows()`: rows are pulled chunk by chunk with
 *   back-pressure, the result is never held whole.
 * - Rows come back with lower-case keys and JSON-safe values (dates as `YYYY-MM-DD`, timestamps as ISO-8601,
 *   binary as hex, NUMBER exact: a number when one is exactly the value, else its decimal string).
 */
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import snowflake from "snowflake-sdk";
import { exactNumber } from "#services/reports/exact-number.js";
import type {
  ColumnInfo,
  QueryOptions,
  QueryResult,
  Row,
  RowStream,
  StatementLedger,
  Warehouse,
} from "#services/reports/warehouse.port.js";
import { createLogger, type Logger } from "#services/shared/logger.js";
import { WarehouseError, WarehouseQueryError, WarehouseUnavailableError } from "./errors.js";
import {
  loadSnowflakeCredentials,
  type SnowflakeCredentials,
  secretValuesOf,
  toConnectionOptions,
} from "./snowflake-credentials.js";
import {
  authFailedError,
  isDeadSession,
  isSnowflakeAuthError,
  mapSnowflakeError,
  mayBeAuthFailure,
  sanitizedCause,
  saysAuthFailed,
} from "./snowflake-errors.js";

/** The parts of a snowflake-sdk statement the adapter uses. */
export interface SnowflakeStatementLike {
  getQueryId(): string;
  getColumns():
    | Array<{ getName(): string; getType(): string; getPrecision?(): number; getScale?(): number }>
    | undefined;
  streamRows(): NodeJS.ReadableStream & AsyncIterable<unknown>;
  cancel?(callback?: (err?: unknown) => void): void;
}

export interface SnowflakeExecuteOptions {
  sqlText: string;
  binds?: Array<string | number | boolean | null>;
  parameters?: Record<string, string | number>;
  streamResult?: boolean;
  /** Submit and answer with the query id at once (the result is fetched with fetchResult). */
  asyncExec?: boolean;
  complete: (err: unknown, stmt: SnowflakeStatementLike, rows?: unknown[]) => void;
}

export interface SnowflakeConnectionLike {
  execute(options: SnowflakeExecuteOptions): unknown;
  /** snowflake-sdk: the status of a query by id (`RUNNING`, `SUCCESS`, `FAILED_WITH_ERROR`, …). */
  getQueryStatus?(queryId: string): Promise<string>;
  isStillRunning?(status: string): boolean;
  /** snowflake-sdk: the result of a query by id; waits while it runs (Snowflake answers "in progress"). */
  fetchResult?(options: {
    queryId: string;
    streamResult?: boolean;
    complete: (err: unknown, stmt: SnowflakeStatementLike, rows?: unknown[]) => void;
  }): unknown;
}

export interface SnowflakePoolLike {
  acquire(): Promise<SnowflakeConnectionLike>;
  release(connection: SnowflakeConnectionLike): Promise<void>;
  destroy(connection: SnowflakeConnectionLike): Promise<void>;
  drain(): Promise<void>;
  clear(): Promise<void>;
}

/** What the adapter needs from snowflake-sdk; tests pass a fake. */
export interface SnowflakeSdk {
  createPool(
    connectionOptions: ReturnType<typeof toConnectionOptions>,
    poolOptions: Record<string, unknown>,
  ): SnowflakePoolLike;
}

export interface SnowflakeWarehouseOptions {
  /** Secrets Manager id or ARN of the credentials secret. */
  secretId: string;
  secrets: SecretsManagerClient;
  /** Connections in the pool (default 4). */
  poolMax?: number;
  /** Default statement timeout (STATEMENT_TIMEOUT_IN_SECONDS) when a query gives none (default 600). */
  statementTimeoutSeconds?: number;
  /** Rows the SDK buffers ahead of a slow `stream` consumer (snowflake-sdk rowStreamHighWaterMark, default 1000). */
  streamHighWaterMark?: number;
  /** snowflake-sdk's own log level (default ERROR keeps connection chatter out of the job logs). */
  sdkLogLevel?: "ERROR" | "WARN" | "INFO" | "DEBUG" | "TRACE" | "OFF";
  /** Where snowflake-sdk's log lines go (sdkLogSink); the process's logger. */
  logger?: Logger;
  /**
   * Where statements given a `resumeKey` record their query id. With it, such statements run
   * asynchronously (submitted, then their result fetched by id), and a job received again re-attaches to
   * its statement while Snowflake still runs it (or has its result) instead of starting a second one.
   */
  statements?: StatementLedger;
  /** Substitute for snowflake-sdk (unit tests). */
  sdk?: SnowflakeSdk;
  /** Substitute for the secret loader (unit tests). */
  loadCredentials?: (secrets: SecretsManagerClient, secretId: string) => Promise<SnowflakeCredentials>;
}

type Bind = string | number | boolean | null;

/** Converts port-level bind values into what snowflake-sdk can bind; anything else is a caller bug. */
export function toSnowflakeBinds(binds: readonly unknown[]): Bind[] {
  return binds.map((value, index) => {
    if (value === null || value === undefined) return null;
    if (typeof value === "string" || typeof value === "boolean") return value;
    if (typeof value === "number") {
      if (!Number.isFinite(value)) {
        throw new WarehouseQueryError(`binds[${index}]: must be a finite number`, {
          code: "WAREHOUSE_BIND_INVALID",
        });
      }
      return value;
    }
    if (typeof value === "bigint") return value.toString();
    if (value instanceof Date) {
      if (Number.isNaN(value.getTime())) {
        throw new WarehouseQueryError(`binds[${index}]: invalid Date`, { code: "WAREHOUSE_BIND_INVALID" });
      }
      return value.toISOString();
    }
    throw new WarehouseQueryError(`binds[${index}]: unsupported bind type ${typeof value}`, {
      code: "WAREHOUSE_BIND_INVALID",
    });
  });
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/**
 * One value to JSON-safe form, using the column's Snowflake type where the JS value is ambiguous. NUMBER
 * arrives as Snowflake's own text (`fetchAsString: ["Number"]`, see snowflake-credentials.ts): a FIXED value
 * is kept exact (exact-number.ts, as the DuckDB adapter does for BIGINT and DECIMAL), a REAL one is a double.
 */
export function toJsonSafe(value: unknown, columnType: string | undefined): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" && (columnType === "fixed" || columnType === "real")) {
    if (columnType === "fixed") return exactNumber(value) ?? value;
    const n = Number(value);
    return Number.isFinite(n) ? n : value;
  }
  if (typeof value === "bigint") return exactNumber(value.toString());
  if (value instanceof Date) {
    if (columnType === "date") {
      return `${value.getUTCFullYear()}-${pad(value.getUTCMonth() + 1)}-${pad(value.getUTCDate())}`;
    }
    return value.toISOString();
  }
  if (Buffer.isBuffer(value)) return value.toString("hex");
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return value;
}

function normalizeRow(raw: unknown, types: Map<string, string>): Row {
  const row: Row = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    row[key.toLowerCase()] = toJsonSafe(value, types.get(key));
  }
  return row;
}

function columnTypes(stmt: SnowflakeStatementLike): Map<string, string> {
  const types = new Map<string, string>();
  for (const column of stmt.getColumns() ?? []) types.set(column.getName(), column.getType());
  return types;
}

/** Snowflake's column types as the port's ColumnInfo (timestamp_ltz/ntz/tz are timestamps). */
export function columnInfos(stmt: SnowflakeStatementLike): ColumnInfo[] {
  return (stmt.getColumns() ?? []).map((column) => {
    const sfType = column.getType();
    const type: ColumnInfo["type"] = sfType.startsWith("timestamp")
      ? "timestamp"
      : ((["fixed", "real", "text", "boolean", "date"] as const).find((t) => t === sfType) ?? "other");
    const info: ColumnInfo = { name: column.getName().toLowerCase(), type };
    if (type === "fixed") {
      const precision = column.getPrecision?.();
      const scale = column.getScale?.();
      if (precision !== undefined) info.precision = precision;
      if (scale !== undefined) info.scale = scale;
    }
    return info;
  });
}

function timeoutSeconds(options: QueryOptions | undefined, fallback: number): number {
  if (options?.timeoutMs === undefined) return fallback;
  return Math.max(1, Math.ceil(options.timeoutMs / 1000));
}

/**
 * snowflake-sdk's logger interface (`configure({ customLogger })`: one method per level, the message
 * already formatted and secret-masked by the SDK) onto the project's logger, which redacts registered
 * credentials again and writes one JSON line per message.
 */
export function sdkLogSink(
  logger: Logger,
): Record<"error" | "warn" | "info" | "debug" | "trace", (m: string) => void> {
  const log = logger.child({ component: "snowflake-sdk" });
  const line = (level: "error" | "warn" | "info" | "debug") => (message: string) =>
    log[level]("snowflake-sdk", { sdkMessage: String(message).slice(0, 4000) });
  return {
    error: line("error"),
    warn: line("warn"),
    info: line("info"),
    debug: line("debug"),
    trace: line("debug"),
  };
}

type PoolKind = "jobs" | "health";

/** The query id of the statement an SDK error came from (errors are the SDK's own objects; not mutated). */
const statementQueryIds = new WeakMap<object, string>();

function queryIdOfStatement(stmt: SnowflakeStatementLike | undefined): string | undefined {
  try {
    const id = stmt?.getQueryId?.();
    return typeof id === "string" && id !== "" ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Session settings that change results, pinned on every statement so an account- or user-level override
 * cannot make Snowflake and the embedded DuckDB disagree: times in UTC, timestamps without a zone, ISO
 * dates, weeks from Monday (DuckDB's date_trunc('week')).
 */
export const PINNED_SESSION_PARAMETERS = {
  TIMEZONE: "UTC",
  TIMESTAMP_TYPE_MAPPING: "TIMESTAMP_NTZ",
  DATE_OUTPUT_FORMAT: "YYYY-MM-DD",
  WEEK_START: 1,
} as const;

/** How long a cancel request may take before shutdown goes on without its answer. */
export const CANCEL_TIMEOUT_MS = 5_000;

/** How long the readiness ping may take, connecting included (under the 5 s health-check timeout). */
export const PING_TIMEOUT_MS = 4_000;

export class SnowflakeWarehouse implements Warehouse {
  private readonly sdk: SnowflakeSdk;
  private readonly load: (secrets: SecretsManagerClient, secretId: string) => Promise<SnowflakeCredentials>;
  private readonly statementTimeoutSeconds: number;
  private readonly poolMax: number;
  private readonly highWaterMark: number;
  /** The jobs' pool, and a one-connection pool of its own for the readiness ping (it must not queue). */
  private readonly pools = new Map<PoolKind, Promise<SnowflakePoolLike>>();
  private credentials: Promise<SnowflakeCredentials> | undefined;
  /** Bumped whenever the pool is rebuilt, so concurrent auth failures trigger one refresh, not many. */
  private generation = 0;
  private secretValues: string[] = [];
  /** Statements executing now, and whether this adapter cancelled them (cancelRunning). */
  private readonly running = new Map<SnowflakeStatementLike, { cancelled: boolean }>();
  /** Asynchronous statements whose result is awaited now, by query id (cancelled with SYSTEM$CANCEL_QUERY). */
  private readonly awaited = new Map<string, { cancelled: boolean }>();
  private closed = false;

  constructor(private readonly options: SnowflakeWarehouseOptions) {
    if (!options.sdk) {
      // customLogger replaces the SDK's own winston transports (snowflake.log in the working directory and
      // the console), so its lines are JSON lines of the process, through the logger's redactor.
      snowflake.configure({
        logLevel: options.sdkLogLevel ?? "ERROR",
        customLogger: sdkLogSink(options.logger ?? createLogger({ service: "report-worker" })),
      } as Parameters<typeof snowflake.configure>[0]);
    }
    this.sdk = options.sdk ?? (snowflake as unknown as SnowflakeSdk);
    this.load = options.loadCredentials ?? loadSnowflakeCredentials;
    this.statementTimeoutSeconds = options.statementTimeoutSeconds ?? 600;
    this.poolMax = options.poolMax ?? 4;
    this.highWaterMark = options.streamHighWaterMark ?? 1000;
  }

  /** Removes any credential value from text (defence in depth: Snowflake does not echo them). */
  private readonly redact = (text: string): string => {
    let out = text;
    for (const secret of this.secretValues) out = out.split(secret).join("[redacted]");
    return out;
  };

  private map(error: unknown, during: string): WarehouseError {
    const queryId = error && typeof error === "object" ? statementQueryIds.get(error) : undefined;
    return mapSnowflakeError(error, { redact: this.redact, during, queryId });
  }

  /** The credentials, read once and shared by both pools until an authentication failure drops them. */
  private getCredentials(): Promise<SnowflakeCredentials> {
    if (!this.credentials) {
      const loading = this.load(this.options.secrets, this.options.secretId).then((c) => {
        this.secretValues = secretValuesOf(c);
        return c;
      });
      // a failed load must not poison the cache: the next call tries again
      loading.catch(() => {
        if (this.credentials === loading) this.credentials = undefined;
      });
      this.credentials = loading;
    }
    return this.credentials;
  }

  private getPool(kind: PoolKind = "jobs"): Promise<SnowflakePoolLike> {
    if (this.closed) return Promise.reject(new WarehouseQueryError("Snowflake warehouse is closed"));
    let existing = this.pools.get(kind);
    if (!existing) {
      const health = kind === "health";
      const pool = (async () => {
        const credentials = await this.getCredentials();
        return this.sdk.createPool(
          { ...toConnectionOptions(credentials), rowStreamHighWaterMark: this.highWaterMark },
          {
            max: health ? 1 : this.poolMax,
            min: 0,
            // idle sessions are closed after 5 minutes; a stale one is evicted rather than handed out
            idleTimeoutMillis: 5 * 60_000,
            evictionRunIntervalMillis: 60_000,
            // the ping answers within a health check's time or says the warehouse is not ready
            acquireTimeoutMillis: health ? PING_TIMEOUT_MS : 120_000,
            // ask a connection whether its session is alive before handing it out (snowflake-sdk's
            // factory.validate, isValidAsync), so an idle session that expired is replaced, not used
            testOnBorrow: true,
          },
        );
      })();
      pool.catch(() => {
        if (this.pools.get(kind) === pool) this.pools.delete(kind);
      });
      this.pools.set(kind, pool);
      existing = pool;
    }
    return existing;
  }

  /** Drops the pool and the cached credentials (after an auth failure), unless another caller already did. */
  private async refresh(seenGeneration: number): Promise<void> {
    if (this.generation !== seenGeneration) return;
    this.generation += 1;
    this.credentials = undefined;
    const old = [...this.pools.values()];
    this.pools.clear();
    // the old pools' connections carry rejected credentials; let them go in the background
    for (const pool of old) void drainPool(pool);
  }

  /**
   * Runs `work` with a pooled connection. On an authentication failure the secret is re-read and the pool
   * rebuilt once; a second authentication failure becomes WarehouseConfigError.
   */
  private async withConnection<T>(
    during: string,
    work: (connection: SnowflakeConnectionLike, pool: SnowflakePoolLike) => Promise<T>,
    kind: PoolKind = "jobs",
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const generation = this.generation;
      let pool: SnowflakePoolLike;
      let connection: SnowflakeConnectionLike;
      try {
        pool = await this.getPool(kind);
        connection = await pool.acquire();
      } catch (error) {
        if (error instanceof WarehouseError) throw error; // from the secret loader, already mapped
        // The pool drops the login error's code (mayBeAuthFailure): after a rotation every new connection
        // fails like this until the secret is read again, so re-read it once on any such failure.
        if (attempt === 0 && mayBeAuthFailure(error)) {
          await this.refresh(generation);
          continue;
        }
        if (saysAuthFailed(error)) throw authFailedError(this.options.secretId, error, this.redact);
        throw this.map(error, "connect");
      }
      try {
        return await work(connection, pool);
      } catch (error) {
        if (isSnowflakeAuthError(error)) {
          await pool.destroy(connection).catch(() => {});
          if (attempt === 0) {
            await this.refresh(generation);
            continue;
          }
          throw authFailedError(this.options.secretId, error, this.redact);
        }
        // A dead session goes back into the pool as a connection that fails every statement (and the pool
        // does not ask it first): destroy it, so the next job logs in again.
        if (isDeadSession(error)) await pool.destroy(connection).catch(() => {});
        else await pool.release(connection).catch(() => {});
        throw this.map(error, during);
      }
    }
  }

  private statementParameters(options: QueryOptions | undefined): Record<string, string | number> {
    const parameters: Record<string, string | number> = {
      ...PINNED_SESSION_PARAMETERS,
      STATEMENT_TIMEOUT_IN_SECONDS: timeoutSeconds(options, this.statementTimeoutSeconds),
    };
    if (options?.tag !== undefined) parameters.QUERY_TAG = options.tag;
    return parameters;
  }

  private execute(
    connection: SnowflakeConnectionLike,
    sql: string,
    binds: readonly unknown[],
    options: QueryOptions | undefined,
    streamResult: boolean,
  ): Promise<{ stmt: SnowflakeStatementLike; rows: unknown[] | undefined }> {
    const ledger = this.options.statements;
    const resumeKey = options?.resumeKey;
    if (ledger !== undefined && resumeKey !== undefined && typeof connection.fetchResult === "function")
      return this.executeResumable(connection, ledger, resumeKey, sql, binds, options, streamResult);
    return this.executeNow(connection, sql, binds, options, streamResult);
  }

  /**
   * A statement that survives its worker: a query id recorded under the resume key that Snowflake still
   * runs (or has finished successfully: results are kept 24 h) is re-attached; otherwise the statement is
   * submitted asynchronously, its id recorded at once, and its result fetched by id.
   */
  private async executeResumable(
    connection: SnowflakeConnectionLike,
    ledger: StatementLedger,
    resumeKey: string,
    sql: string,
    binds: readonly unknown[],
    options: QueryOptions | undefined,
    streamResult: boolean,
  ): Promise<{ stmt: SnowflakeStatementLike; rows: unknown[] | undefined }> {
    const log = this.options.logger;
    let queryId: string | undefined;
    const recorded = await ledger.get(resumeKey).catch((error: unknown) => {
      log?.warn("statement ledger unreadable: the statement runs anew", { resumeKey, error });
      return undefined;
    });
    if (recorded !== undefined) {
      const status = await connection.getQueryStatus?.(recorded).catch(() => undefined);
      if (status !== undefined && (status === "SUCCESS" || connection.isStillRunning?.(status) === true)) {
        queryId = recorded;
        log?.info("re-attached to the job's statement in Snowflake instead of running it again", {
          queryId,
          status,
          resumeKey,
        });
      }
    }
    if (queryId === undefined) {
      queryId = await this.submit(connection, sql, binds, options);
      await ledger.put(resumeKey, queryId).catch((error: unknown) => {
        log?.warn("statement ledger not written: a redelivery would run the statement again", {
          resumeKey,
          queryId,
          error,
        });
      });
    }
    return this.fetchById(connection, queryId, streamResult);
  }

  /** Submits a statement asynchronously and answers with its query id. */
  private submit(
    connection: SnowflakeConnectionLike,
    sql: string,
    binds: readonly unknown[],
    options: QueryOptions | undefined,
  ): Promise<string> {
    const sfBinds = toSnowflakeBinds(binds);
    return new Promise((resolve, reject) => {
      try {
        connection.execute({
          sqlText: sql,
          ...(sfBinds.length > 0 ? { binds: sfBinds } : {}),
          parameters: this.statementParameters(options),
          asyncExec: true,
          complete: (err, stmt) => {
            const id = queryIdOfStatement(stmt);
            if (err) return reject(err);
            if (id === undefined) return reject(new WarehouseUnavailableError("Snowflake gave no query id"));
            resolve(id);
          },
        });
      } catch (error) {
        reject(error);
      }
    });
  }

  private fetchById(
    connection: SnowflakeConnectionLike,
    queryId: string,
    streamResult: boolean,
  ): Promise<{ stmt: SnowflakeStatementLike; rows: unknown[] | undefined }> {
    const state = { cancelled: false };
    this.awaited.set(queryId, state);
    return new Promise((resolve, reject) => {
      try {
        connection.fetchResult?.({
          queryId,
          streamResult,
          complete: (err, stmt, rows) => {
            this.awaited.delete(queryId);
            if (!err) return resolve({ stmt, rows });
            if (err && typeof err === "object") statementQueryIds.set(err, queryId);
            if (state.cancelled) return reject(this.interrupted(err, queryId));
            reject(err);
          },
        });
      } catch (error) {
        this.awaited.delete(queryId);
        reject(error);
      }
    });
  }

  private interrupted(err: unknown, queryId: string | undefined): WarehouseUnavailableError {
    return new WarehouseUnavailableError(
      "the statement was cancelled because the worker is shutting down; the job runs again",
      {
        code: "INTERRUPTED",
        cause: sanitizedCause(err, this.redact),
        ...(queryId === undefined ? {} : { queryId }),
      },
    );
  }

  private executeNow(
    connection: SnowflakeConnectionLike,
    sql: string,
    binds: readonly unknown[],
    options: QueryOptions | undefined,
    streamResult: boolean,
  ): Promise<{ stmt: SnowflakeStatementLike; rows: unknown[] | undefined }> {
    const parameters = this.statementParameters(options);
    const sfBinds = toSnowflakeBinds(binds);
    return new Promise((resolve, reject) => {
      let running: SnowflakeStatementLike | undefined;
      try {
        const stmt = connection.execute({
          sqlText: sql,
          ...(sfBinds.length > 0 ? { binds: sfBinds } : {}),
          parameters,
          streamResult,
          complete: (err, done, rows) => {
            const state = running ? this.running.get(running) : undefined;
            if (running) this.running.delete(running);
            if (!err) return resolve({ stmt: done, rows });
            const failedQueryId = queryIdOfStatement(done);
            if (failedQueryId && err && typeof err === "object") statementQueryIds.set(err, failedQueryId);
            if (state?.cancelled) return reject(this.interrupted(err, failedQueryId));
            reject(err);
          },
        }) as SnowflakeStatementLike | undefined;
        if (stmt && typeof stmt.cancel === "function") {
          running = stmt;
          this.running.set(stmt, { cancelled: false });
        }
      } catch (error) {
        reject(error); // synchronous argument validation in the SDK
      }
    });
  }

  async query(sql: string, binds: readonly unknown[] = [], options?: QueryOptions): Promise<QueryResult> {
    return this.queryOn("jobs", sql, binds, options);
  }

  private queryOn(
    kind: PoolKind,
    sql: string,
    binds: readonly unknown[],
    options: QueryOptions | undefined,
  ): Promise<QueryResult> {
    toSnowflakeBinds(binds); // reject bad binds before touching the network
    return this.withConnection(
      "query",
      async (connection, pool) => {
        const { stmt, rows } = await this.execute(connection, sql, binds, options, false);
        await pool.release(connection);
        const types = columnTypes(stmt);
        return { rows: (rows ?? []).map((row) => normalizeRow(row, types)), queryId: stmt.getQueryId() };
      },
      kind,
    );
  }

  stream(sql: string, binds: readonly unknown[] = [], options?: QueryOptions): RowStream {
    // Starts on first use of either the iterator or queryId(), so a stream that is never read runs nothing.
    let started:
      | Promise<{
          stmt: SnowflakeStatementLike;
          connection: SnowflakeConnectionLike;
          pool: SnowflakePoolLike;
        }>
      | undefined;
    const start = () => {
      started ??= (async () => {
        toSnowflakeBinds(binds);
        return this.withConnection("stream", async (connection, pool) => {
          const { stmt } = await this.execute(connection, sql, binds, options, true);
          return { stmt, connection, pool };
        });
      })();
      return started;
    };
    const map = (error: unknown) => this.map(error, "stream");
    let columns: ColumnInfo[] | undefined;
    return {
      queryId: async () => (await start()).stmt.getQueryId(),
      columns: () => columns,
      async *[Symbol.asyncIterator]() {
        const { stmt, connection, pool } = await start();
        const types = columnTypes(stmt);
        columns = columnInfos(stmt);
        const rows = stmt.streamRows();
        let clean = false;
        try {
          for await (const raw of rows) yield normalizeRow(raw, types);
          clean = true;
        } catch (error) {
          throw map(error);
        } finally {
          if (clean) {
            await pool.release(connection).catch(() => {});
          } else {
            // failed, or the consumer stopped early: the connection may be mid-download, so it is
            // destroyed rather than handed to the next job
            (rows as unknown as { destroy?: () => void }).destroy?.();
            await pool.destroy(connection).catch(() => {});
          }
        }
      },
    };
  }

  /**
   * Readiness: `SELECT 1` on a connection of its own (the health pool), bounded by PING_TIMEOUT_MS, so a
   * worker whose jobs hold every pooled connection still answers /health.
   */
  async ping(): Promise<void> {
    await this.queryOn("health", "SELECT 1 AS ok", [], { timeoutMs: PING_TIMEOUT_MS });
  }

  async cancelRunning(): Promise<number> {
    const statements = [...this.running.entries()].filter(([, state]) => !state.cancelled);
    const awaited = [...this.awaited.entries()].filter(([, state]) => !state.cancelled);
    await Promise.all([
      // asynchronous statements are cancelled by id, on the health pool's own connection
      ...awaited.map(async ([queryId, state]) => {
        state.cancelled = true;
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          this.queryOn("health", "SELECT SYSTEM$CANCEL_QUERY(?) AS cancelled", [queryId], {
            timeoutMs: CANCEL_TIMEOUT_MS,
          }).catch(() => {}),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, CANCEL_TIMEOUT_MS);
          }),
        ]);
        clearTimeout(timer);
      }),
      ...statements.map(
        ([stmt, state]) =>
          new Promise<void>((resolve) => {
            state.cancelled = true;
            const timer = setTimeout(resolve, CANCEL_TIMEOUT_MS); // an unreachable warehouse must not hold us
            try {
              stmt.cancel?.(() => {
                clearTimeout(timer);
                resolve();
              });
            } catch {
              clearTimeout(timer);
              resolve();
            }
          }),
      ),
    ]);
    return statements.length + awaited.length;
  }

  async close(): Promise<void> {
    await this.cancelRunning();
    this.closed = true;
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => drainPool(pool)));
  }
}

/**
 * Stops a pool: waits (bounded) for borrowed connections to come back, then destroys the idle ones. A
 * statement stuck on the network must not keep a draining worker from exiting.
 */
async function drainPool(pool: Promise<SnowflakePoolLike>, timeoutMs = 10_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  // Bounded as a whole: with Snowflake unreachable, a connection the pool is still creating (the SDK keeps
  // retrying its login) holds both drain() and clear(), and a stopping worker must not wait for it.
  await Promise.race([
    (async () => {
      const p = await pool;
      await p.drain();
      await p.clear();
    })().catch(() => {
      /* nothing left to release */
    }),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref?.();
    }),
  ]);
  clearTimeout(timer);
}

/**
 * @example
 * ```ts
 * const warehouse = createSnowflakeWarehouse({ secretId: "report-pipeline/snowflake", secrets: aws.secrets });
 * const { rows, queryId } = await warehouse.query("SELECT * FROM reporting.sales WHERE day >= ?", ["2025-01-01"], { tag: jobId });
 * ```
 */
export function createSnowflakeWarehouse(options: SnowflakeWarehouseOptions): SnowflakeWarehouse {
  return new SnowflakeWarehouse(options);
}
