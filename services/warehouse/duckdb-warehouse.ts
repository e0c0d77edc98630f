/**
 * The embedded warehouse (default): DuckDB through @duckdb/node-api, in memory or in a file, with the
 * schemas, tables and views of sql/ddl and, on first use, the deterministic sample data.
 *
 * Every statement runs on a connection of its own while it runs, so concurrent queries and a long stream do
 * not block each other. Streams, exports and scripts open a fresh connection (their transactions and
 * settings end with it); `query` takes one from a small pool of idle connections, each already `USE`d
 * (connect + USE was 0.4 ms of the worker's CPU per statement, two statements per connectivity job; issue
 * 19), and gives it back only after a plain statement that succeeded in time, so nothing a failure or an
 * interrupt leaves behind reaches the next query. Binds are always positional `?` values; `stream` reads the result chunk by chunk
 * (DuckDB's streaming result, ~2048 rows a chunk), so memory stays bounded however large the result.
 *
 * @example
 * const warehouse = createDuckDbWarehouse();                      // in memory, sample data scale 1
 * const { rows } = await warehouse.query("SELECT COUNT(*) AS n FROM reporting.sales_lines");
 */
import { randomUUID } from "node:crypto";
import {
  createDuckDBValueConverter,
  type DuckDBConnection,
  DuckDBInstance,
  DuckDBTypeId,
  type DuckDBValue,
  type DuckDBValueConverter,
  JsonDuckDBValueConverter,
} from "@duckdb/node-api";
import { exactNumber } from "#services/reports/exact-number.js";
import { readSql } from "#services/reports/sql-files.js";
import type {
  ExportFileTarget,
  QueryOptions,
  QueryResult,
  Row,
  RowStream,
  Warehouse,
} from "#services/reports/warehouse.port.js";
import {
  attachStatement,
  COMPAT_MACROS,
  materialisedTables,
  PROCESSED_DDL_FILE,
  RAW_DDL_FILES,
  REPORTING_DDL_FILE,
  USE_STATEMENT,
} from "./duckdb-dialect.js";
import { copyStatement, type DescribedColumn, statementBody } from "./duckdb-export.js";
import {
  WarehouseConfigError,
  WarehouseError,
  WarehouseQueryError,
  WarehouseUnavailableError,
} from "./errors.js";
import { sampleDataScript } from "./sample-data.js";

export interface DuckDbWarehouseOptions {
  /** Database file; omitted or `:memory:` for a private in-memory database. */
  path?: string;
  /** Load the sample data on first use when `raw.customers` is empty. Default true. */
  sampleData?: boolean;
  /** Sample data scale (see sample-data.ts). Default 1. */
  scale?: number;
  /** Sample data seed. Default 42. */
  seed?: number;
  /** DuckDB `threads` setting. */
  threads?: number;
  /** DuckDB `memory_limit` setting, e.g. "512MB" (DuckDB's buffer manager; the process uses more). */
  memoryLimit?: string;
  /** DuckDB `temp_directory`: where operators spill beyond `memory_limit` (large exports, window views). */
  tempDirectory?: string;
  /**
   * DuckDB `preserve_insertion_order`. false lets a query without ORDER BY emit chunks as they finish
   * instead of buffering them to keep the input order, which bounds memory on large exports.
   */
  preserveInsertionOrder?: boolean;
}

/**
 * JSON-safe values: BIGINT and DECIMAL exact (a number when one is exactly the value, else the decimal
 * string: exact-number.ts, as the Snowflake adapter does for NUMBER), dates/times as strings.
 */
function exactFromValue(value: DuckDBValue): number | string | null {
  return value === null ? null : (exactNumber(String(value)) ?? String(value));
}
function finiteNumber(value: DuckDBValue): number | null {
  const n = value as number;
  return Number.isFinite(n) ? n : null;
}

const converter: DuckDBValueConverter<unknown> = (() => {
  const json = JsonDuckDBValueConverter as DuckDBValueConverter<unknown>;
  const overrides: Partial<Record<DuckDBTypeId, DuckDBValueConverter<unknown>>> = {
    [DuckDBTypeId.BIGINT]: exactFromValue,
    [DuckDBTypeId.UBIGINT]: exactFromValue,
    [DuckDBTypeId.HUGEINT]: exactFromValue,
    [DuckDBTypeId.UHUGEINT]: exactFromValue,
    [DuckDBTypeId.DECIMAL]: exactFromValue,
    [DuckDBTypeId.FLOAT]: finiteNumber,
    [DuckDBTypeId.DOUBLE]: finiteNumber,
  };
  const byType = {} as Record<DuckDBTypeId, DuckDBValueConverter<unknown> | undefined>;
  for (const id of Object.values(DuckDBTypeId)) {
    if (typeof id !== "number") continue;
    // the JSON converter handles one value; nested values recurse through the converter it is given (ours)
    byType[id] = overrides[id] ?? ((value, type, conv) => json(value, type, conv));
  }
  return createDuckDBValueConverter<unknown>(byType);
})();

function toDuckDbValues(binds: readonly unknown[]): DuckDBValue[] {
  return binds.map((value, index) => {
    if (value === null || value === undefined) return null;
    if (typeof value === "string" || typeof value === "boolean" || typeof value === "bigint") return value;
    if (typeof value === "number") {
      if (!Number.isFinite(value)) throw new WarehouseQueryError(`bind ${index + 1}: not a finite number`);
      return value;
    }
    if (value instanceof Date) return value.toISOString();
    throw new WarehouseQueryError(`bind ${index + 1}: unsupported type ${typeof value}`);
  });
}

/** DuckDB reports errors as `<Kind> Error: …`; resource and I/O trouble may pass, the rest will not. */
export function mapDuckDbError(
  error: unknown,
  context: { timedOut?: boolean; timeoutMs?: number; queryId?: string } = {},
): WarehouseError {
  if (error instanceof WarehouseError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const queryId = context.queryId ? { queryId: context.queryId } : {};
  if (context.timedOut === true)
    return new WarehouseUnavailableError(
      `DuckDB statement exceeded ${context.timeoutMs} ms and was interrupted`,
      { code: "WAREHOUSE_TIMEOUT", cause: error, ...queryId },
    );
  if (/^(IO|Out of Memory|Connection|Interrupt) Error/i.test(message) || /lock on file/i.test(message))
    return new WarehouseUnavailableError(`DuckDB unavailable: ${message}`, { cause: error, ...queryId });
  return new WarehouseQueryError(`DuckDB query failed: ${message}`, { cause: error, ...queryId });
}

/** Idle `query` connections kept for reuse, at most (more in use at once are opened and closed). */
export const IDLE_CONNECTIONS_MAX = 8;

/**
 * Statements after which a connection goes back to the pool: reads and plain DML, which leave no session
 * state (no open transaction, setting, `USE` or attached database) behind. Anything else closes it.
 */
const REUSABLE_STATEMENT =
  /^(?:\s+|--[^\n]*\n|\/\*[\s\S]*?\*\/|\()*(?:SELECT|WITH|FROM|VALUES|TABLE|DESCRIBE|SHOW|INSERT|UPDATE|DELETE)\b(?![\s\S]*;\s*\S)/i;

export class DuckDbWarehouse implements Warehouse {
  private instance: Promise<DuckDBInstance> | undefined;
  private closed = false;
  /** Idle connections for `query`, each with the warehouse database in use. */
  private idle: DuckDBConnection[] = [];

  constructor(private readonly options: DuckDbWarehouseOptions = {}) {}

  /** Opens the database and creates schemas/tables/views (and sample data) once. */
  private open(): Promise<DuckDBInstance> {
    if (this.closed) return Promise.reject(new WarehouseUnavailableError("DuckDB warehouse is closed"));
    this.instance ??= this.initialise().catch((error: unknown) => {
      this.instance = undefined;
      throw mapDuckDbError(error);
    });
    return this.instance;
  }

  private async initialise(): Promise<DuckDBInstance> {
    const settings: Record<string, string> = {};
    if (this.options.threads !== undefined) settings.threads = String(this.options.threads);
    if (this.options.memoryLimit !== undefined) settings.memory_limit = this.options.memoryLimit;
    if (this.options.tempDirectory !== undefined) settings.temp_directory = this.options.tempDirectory;
    if (this.options.preserveInsertionOrder !== undefined)
      settings.preserve_insertion_order = String(this.options.preserveInsertionOrder);
    const instance = await DuckDBInstance.create(":memory:", settings);
    const connection = await instance.connect();
    try {
      await connection.run(attachStatement(this.options.path));
      await connection.run(USE_STATEMENT);
      for (const file of RAW_DDL_FILES) await connection.run(readSql(file));
      for (const macro of COMPAT_MACROS) await connection.run(macro);
      let loaded = false;
      if (this.options.sampleData ?? true) {
        const reader = await connection.runAndReadAll("SELECT COUNT(*) AS n FROM raw.customers");
        const count = reader.getRowObjectsJS()[0]?.n;
        if (count === 0n || count === 0) {
          const scriptOptions: { scale?: number; seed?: number } = {};
          if (this.options.scale !== undefined) scriptOptions.scale = this.options.scale;
          if (this.options.seed !== undefined) scriptOptions.seed = this.options.seed;
          await connection.run(sampleDataScript(scriptOptions));
          loaded = true;
        }
      }
      // processed is materialised from raw: when raw was just loaded, and when a database file does not hold
      // the tables yet (new, or made when processed was views); otherwise it is as the last refresh left it
      if (loaded || !(await holdsProcessedTables(connection))) await materialiseProcessed(connection);
      await connection.run(readSql(REPORTING_DDL_FILE));
    } catch (error) {
      connection.closeSync();
      instance.closeSync();
      throw error instanceof WarehouseConfigError ? error : mapDuckDbError(error);
    }
    connection.closeSync();
    return instance;
  }

  private async connect(): Promise<DuckDBConnection> {
    const instance = await this.open();
    const connection = await instance.connect();
    await connection.run(USE_STATEMENT);
    return connection;
  }

  /** An idle pooled connection, or a new one. */
  private async acquire(): Promise<DuckDBConnection> {
    return this.idle.pop() ?? (await this.connect());
  }

  /** Back to the pool when `reusable` and there is room (and the warehouse is open), else closed. */
  private release(connection: DuckDBConnection, reusable: boolean): void {
    if (reusable && !this.closed && this.idle.length < IDLE_CONNECTIONS_MAX) this.idle.push(connection);
    else connection.closeSync();
  }

  private armTimeout(
    connection: DuckDBConnection,
    timeoutMs: number | undefined,
  ): { timedOut: boolean; clear(): void } {
    const state = { timedOut: false, clear: () => {} };
    if (timeoutMs !== undefined && timeoutMs > 0) {
      const timer = setTimeout(() => {
        state.timedOut = true;
        connection.interrupt();
      }, timeoutMs);
      state.clear = () => clearTimeout(timer);
    }
    return state;
  }

  async query(sql: string, binds: readonly unknown[] = [], options: QueryOptions = {}): Promise<QueryResult> {
    const queryId = newQueryId();
    const values = toDuckDbValues(binds);
    const connection = await this.acquire();
    const timer = this.armTimeout(connection, options.timeoutMs);
    let succeeded = false;
    try {
      // without binds, one native call (DuckDB's query); with them, extract + prepare + bind + execute, which
      // for a statement without binds was a second and third round trip through the thread pool (issue 19)
      const reader = await (values.length === 0
        ? connection.runAndReadAll(sql)
        : connection.runAndReadAll(sql, values));
      const names = reader.deduplicatedColumnNames().map((name) => name.toLowerCase());
      const rows = reader.convertRows(converter).map((values) => toRow(names, values));
      succeeded = true;
      return { rows, queryId };
    } catch (error) {
      throw mapDuckDbError(error, { timedOut: timer.timedOut, queryId, ...timeoutContext(options) });
    } finally {
      timer.clear();
      // an interrupted or failed statement may leave the connection in a state the next query must not see
      this.release(connection, succeeded && !timer.timedOut && REUSABLE_STATEMENT.test(sql));
    }
  }

  stream(sql: string, binds: readonly unknown[] = [], options: QueryOptions = {}): RowStream {
    const queryId = newQueryId();
    const self = this;
    let started = false;
    return {
      queryId: () => Promise.resolve(queryId),
      async *[Symbol.asyncIterator]() {
        if (started) throw new WarehouseQueryError("a RowStream can be consumed once");
        started = true;
        const values = toDuckDbValues(binds);
        const connection = await self.connect();
        const timer = self.armTimeout(connection, options.timeoutMs);
        let rows = 0;
        try {
          // the stream runs in a transaction of its own so that a failure part-way can be told from the end
          // (see assertStreamCompleted); closing the connection rolls it back
          await connection.run("BEGIN TRANSACTION");
          let result: Awaited<ReturnType<DuckDBConnection["stream"]>>;
          try {
            result = await connection.stream(sql, values);
          } catch (error) {
            throw mapDuckDbError(error, { timedOut: timer.timedOut, queryId, ...timeoutContext(options) });
          }
          const names = result.deduplicatedColumnNames().map((name) => name.toLowerCase());
          for (;;) {
            let chunk: Awaited<ReturnType<typeof result.fetchChunk>>;
            try {
              chunk = await result.fetchChunk();
            } catch (error) {
              throw mapDuckDbError(error, { timedOut: timer.timedOut, queryId, ...timeoutContext(options) });
            }
            if (chunk === null || chunk.rowCount === 0) {
              await assertStreamCompleted(connection, rows, timer.timedOut, options);
              break;
            }
            rows += chunk.rowCount;
            // columns converted once per chunk, row objects built as they are consumed: far fewer objects
            // live at once than 2,048 converted rows, so fewer survive into V8's old space (peak RSS)
            const columns = chunk.convertColumns(converter);
            for (let i = 0; i < chunk.rowCount; i += 1) yield rowAt(names, columns, i);
          }
        } finally {
          timer.clear();
          connection.closeSync();
        }
      },
    };
  }

  /**
   * Writes the result to `target.path` with DuckDB's own writer (`COPY (…) TO`, duckdb-export.ts: the JS
   * renderers' CSV and NDJSON rules in SQL, Parquet native), on a connection of this instance, so under the
   * same `threads` and `memory_limit` as every other statement. The columns' types come from `DESCRIBE` of
   * the bound statement; the row count is COPY's. A failure part-way rejects (the caller removes the file).
   */
  async exportToFile(
    sql: string,
    binds: readonly unknown[],
    target: ExportFileTarget,
    options: QueryOptions = {},
  ): Promise<{ rowCount: number; queryId: string }> {
    const queryId = newQueryId();
    const values = toDuckDbValues(binds);
    const connection = await this.connect();
    const timer = this.armTimeout(connection, options.timeoutMs);
    try {
      const described = await connection.runAndReadAll(`DESCRIBE ${statementBody(sql)}`, values);
      const columns: DescribedColumn[] = described.getRowObjectsJS().map((row) => ({
        name: String(row.column_name),
        type: String(row.column_type),
      }));
      const result = await connection.run(copyStatement(sql, columns, target.path, target.format), values);
      return { rowCount: Number(result.rowsChanged), queryId };
    } catch (error) {
      throw mapDuckDbError(error, { timedOut: timer.timedOut, queryId, ...timeoutContext(options) });
    } finally {
      timer.clear();
      connection.closeSync();
    }
  }

  /**
   * Rebuilds the processed tables from raw, in one transaction (statements running meanwhile see the old
   * tables or the new, never a mix): DuckDB's stand-in for the refresh Snowflake runs on its dynamic tables
   * within their TARGET_LAG. Call it after loading rows into raw. Not part of the port.
   */
  async refreshProcessed(): Promise<void> {
    const connection = await this.connect();
    try {
      await materialiseProcessed(connection);
    } catch (error) {
      throw mapDuckDbError(error);
    } finally {
      connection.closeSync();
    }
  }

  async ping(): Promise<void> {
    await this.query("SELECT 1 AS ok");
  }

  /** Runs a multi-statement script without binds (DDL, fixtures, exports). Not part of the port. */
  async exec(sql: string): Promise<void> {
    const connection = await this.connect();
    try {
      await connection.run(sql);
    } catch (error) {
      throw mapDuckDbError(error);
    } finally {
      connection.closeSync();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const connection of this.idle.splice(0)) connection.closeSync();
    const pending = this.instance;
    this.instance = undefined;
    if (pending !== undefined) {
      try {
        (await pending).closeSync();
      } catch {
        // initialisation failed: nothing open
      }
    }
  }
}

/**
 * @duckdb/node-api (1.5) ends a streaming result that fails part-way (out of memory under `memory_limit`, a
 * cast or `error()` on row N) exactly like one that is exhausted: an empty chunk, with the error left in
 * `duckdb_result_error`, which it does not bind. Without this check a report would be silently truncated.
 * The failure does abort the stream's transaction, so any statement on that connection now fails: a
 * `SELECT 1` tells a finished stream from a failed one. The cause itself is not recoverable, and it is
 * retryable (memory pressure is the usual one; a deterministic data error ends in the DLQ with a final
 * ReportFailed after the configured receives).
 */
async function assertStreamCompleted(
  connection: DuckDBConnection,
  rows: number,
  timedOut: boolean,
  options: QueryOptions,
): Promise<void> {
  try {
    await connection.run("SELECT 1");
  } catch (error) {
    if (timedOut) throw mapDuckDbError(error, { timedOut, ...timeoutContext(options) });
    throw new WarehouseUnavailableError(
      `DuckDB query failed part-way through its result, after ${rows} rows (the driver does not report ` +
        "why; out of memory under memory_limit is the usual cause, a failing cast or error() on a later row " +
        "another)",
      { code: "WAREHOUSE_STREAM_ABORTED", cause: error },
    );
  }
}

const PROCESSED_TABLES = materialisedTables(readSql(PROCESSED_DDL_FILE));

async function materialiseProcessed(connection: DuckDBConnection): Promise<void> {
  await connection.run("BEGIN TRANSACTION");
  try {
    // a database file made when processed was views holds views of these names: they give way to the tables
    const views = await catalogNames(connection, "duckdb_views()");
    for (const table of PROCESSED_TABLES) {
      if (views.has(table.name)) await connection.run(`DROP VIEW ${table.name}`);
      await connection.run(table.create);
    }
    await connection.run("COMMIT");
  } catch (error) {
    await connection.run("ROLLBACK").catch(() => {});
    throw error;
  }
}

/** `schema.name` of the catalog's tables or views (`duckdb_tables()` / `duckdb_views()`). */
async function catalogNames(
  connection: DuckDBConnection,
  source: "duckdb_tables()" | "duckdb_views()",
): Promise<Set<string>> {
  const reader = await connection.runAndReadAll(
    `SELECT schema_name || '.' || ${source === "duckdb_tables()" ? "table_name" : "view_name"} AS name FROM ${source} WHERE database_name = current_database()`,
  );
  return new Set(reader.getRowObjectsJS().map((row) => String(row.name)));
}

/** Whether every processed table exists as a table (not a view) in the attached catalog. */
async function holdsProcessedTables(connection: DuckDBConnection): Promise<boolean> {
  const tables = await catalogNames(connection, "duckdb_tables()");
  return PROCESSED_TABLES.every((table) => tables.has(table.name));
}

function timeoutContext(options: QueryOptions): { timeoutMs?: number } {
  return options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs };
}

function toRow(names: readonly string[], values: readonly unknown[]): Row {
  const row: Row = {};
  for (let i = 0; i < names.length; i += 1) row[names[i] as string] = values[i] ?? null;
  return row;
}

function rowAt(names: readonly string[], columns: readonly (readonly unknown[])[], index: number): Row {
  const row: Row = {};
  for (let c = 0; c < names.length; c += 1) row[names[c] as string] = columns[c]?.[index] ?? null;
  return row;
}

function newQueryId(): string {
  return `duckdb-${randomUUID()}`;
}

/** The embedded default warehouse. Nothing is opened until the first statement. */
export function createDuckDbWarehouse(options: DuckDbWarehouseOptions = {}): DuckDbWarehouse {
  return new DuckDbWarehouse(options);
}
