/**
 * The warehouse port: what report code needs from a SQL warehouse. Owned by the domain; adapters
 * (`services/warehouse/duckdb-warehouse.ts`, `services/warehouse/snowflake-warehouse.ts`) implement it.
 * Parameters are always bound (`?` placeholders, positional), never spliced into SQL.
 */

/** A result row: column name (lower-case) to a JSON-safe value (number, string, boolean, null). */
import { createHash } from "node:crypto";

export type Row = Record<string, unknown>;

export interface QueryOptions {
  /** Tag for the warehouse's query history (Snowflake QUERY_TAG); the job id. */
  tag?: string;
  /** Abort the statement after this long. */
  timeoutMs?: number;
  /**
   * A stable name of this statement within its job, the same when the job is received again
   * (`statementResumeKey`). A warehouse that runs statements asynchronously records the statement's query
   * id under it and, given the same name while that statement still runs (or has just succeeded),
   * re-attaches to it instead of starting it a second time. Others ignore it.
   */
  resumeKey?: string;
}

/**
 * The resume key of a report statement: the job id, the SQL file and a digest of the rendered SQL and its
 * binds (a job's content is fixed by its claim, so a redelivery computes the same key).
 *
 * @example
 * statementResumeKey("JOB_1", "sales_summary", sql, binds); // "JOB_1/sales_summary-3f0c…" (16 hex digits)
 */
export function statementResumeKey(
  jobId: string,
  file: string,
  sql: string,
  binds: readonly unknown[],
): string {
  const digest = createHash("sha256").update(sql).update("\0").update(JSON.stringify(binds)).digest("hex");
  return `${jobId}/${file}-${digest.slice(0, 16)}`;
}

/** Records query ids under resume keys, so a statement can be re-attached from another process. */
export interface StatementLedger {
  get(resumeKey: string): Promise<string | undefined>;
  put(resumeKey: string, queryId: string): Promise<void>;
}

export interface QueryResult {
  rows: Row[];
  /** The warehouse's id of the statement (Snowflake query id; a generated id on DuckDB). */
  queryId: string;
}

/**
 * A result column as far as a typed format (Parquet) needs it: `fixed` is an exact number (Snowflake NUMBER,
 * DuckDB DECIMAL and integers) with its precision and scale, `real` a double.
 */
export interface ColumnInfo {
  /** Lower-case, as the row keys are. */
  name: string;
  type: "fixed" | "real" | "text" | "boolean" | "date" | "timestamp" | "other";
  precision?: number;
  scale?: number;
}

export interface RowStream extends AsyncIterable<Row> {
  /** Known once the statement has started; resolves to the warehouse's id of the statement. */
  queryId(): Promise<string>;
  /** The result's columns, once iteration has begun (the first row arrived or the result ended); optional. */
  columns?(): readonly ColumnInfo[] | undefined;
}

/** The tabular formats a warehouse may write itself (`Warehouse.exportToFile`). */
export type ExportFileFormat = "csv" | "ndjson" | "parquet";

export interface ExportFileTarget {
  /** An absolute local path the caller owns (the worker's spool file); overwritten. */
  path: string;
  format: ExportFileFormat;
}

export interface Warehouse {
  /** Runs a statement with positional binds and returns all rows (for small results). */
  query(sql: string, binds?: readonly unknown[], options?: QueryOptions): Promise<QueryResult>;
  /** Runs a statement and yields rows without buffering the whole result (for large exports). */
  stream(sql: string, binds?: readonly unknown[], options?: QueryOptions): RowStream;
  /**
   * Runs a statement and writes its whole result to a local file in `target.format`, with the same rules as
   * the JS renderers (render.ts): CSV cells that would start a formula get the leading `'`, NDJSON numbers
   * stay exact (exact-number.ts). Resolves once the file is complete; a failure part-way rejects (the
   * caller removes the file). Optional: a warehouse that cannot write files leaves it out and the rows are
   * streamed and rendered in JS.
   */
  exportToFile?(
    sql: string,
    binds: readonly unknown[],
    target: ExportFileTarget,
    options?: QueryOptions,
  ): Promise<{ rowCount: number; queryId: string }>;
  /** A cheap round-trip (`SELECT 1`) for health checks. */
  ping(): Promise<void>;
  /**
   * Cancels the statements still running in the warehouse (a draining worker calls it before it releases
   * their jobs, so a job never runs twice at once and no credits burn for a result nobody reads). Their
   * queries then fail as retryable `INTERRUPTED`. Resolves with how many it cancelled. Optional: an
   * embedded warehouse dies with its process.
   */
  cancelRunning?(): Promise<number>;
  close(): Promise<void>;
}
