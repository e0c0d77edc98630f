/**
 * The one place where DuckDB is made to look like the Snowflake database the report SQL is written for.
 * Report SQL (sql/reports/*.sql) and DDL (sql/ddl/*.sql) are Snowflake SQL kept to the subset DuckDB also
 * understands; the remaining differences are bridged here, not in the SQL files:
 *
 * - Names: on Snowflake the session's database is `analytics_platform` (from the connection config) and
 *   SQL says `reporting.sales_lines`; on DuckDB we ATTACH a catalog named `analytics_platform` and `USE` it
 *   on every connection, so the same two-part names resolve. Three-part names are never written in SQL.
 * - Functions Snowflake has and DuckDB lacks are defined as DuckDB macros of the Snowflake name
 *   (`CURRENT_VERSION()`).
 * - Dynamic tables (sql/ddl/03_processed_tables.sql) become plain tables, rebuilt by `materialiseStatements`
 *   and sorted by their CLUSTER BY columns so DuckDB's zone maps prune as Snowflake's micro-partitions do.
 * - Database/warehouse/role setup (sql/snowflake/*.sql) is Snowflake-only and not run on DuckDB.
 */
export const CATALOG = "analytics_platform";

/** DDL files run, in order, to create the schemas and raw tables (same files as on Snowflake). */
export const RAW_DDL_FILES = ["ddl/01_schemas.sql", "ddl/02_raw_tables.sql"] as const;
/** The dynamic tables of `processed`, materialised from raw (see `materialiseStatements`). */
export const PROCESSED_DDL_FILE = "ddl/03_processed_tables.sql";
/** The reporting views over processed (same file as on Snowflake). */
export const REPORTING_DDL_FILE = "ddl/04_reporting_views.sql";

const DYNAMIC_TABLE =
  /^CREATE OR REPLACE DYNAMIC TABLE\s+(\w+\.\w+)\s+TARGET_LAG\s*=\s*'[^']*'\s+WAREHOUSE\s*=\s*\w+(?:\s+CLUSTER BY\s*\(([\w\s,]+)\))?\s+AS\s+(SELECT\b[\s\S]+)$/i;

/** One dynamic table of a Snowflake DDL script, as DuckDB builds it. */
export interface MaterialisedTable {
  /** `schema.table`. */
  name: string;
  /** The statement that (re)builds it: CREATE OR REPLACE TABLE … AS. */
  create: string;
}

/**
 * The dynamic tables of a Snowflake DDL script as DuckDB tables: each
 * `CREATE OR REPLACE DYNAMIC TABLE <name> TARGET_LAG = … WAREHOUSE = … [CLUSTER BY (<cols>)] AS <select>`
 * becomes `CREATE OR REPLACE TABLE <name> AS SELECT * FROM (<select>) ORDER BY <cols>`. Any other statement
 * shape is refused rather than guessed at.
 *
 * @example
 * materialisedTables(readSql(PROCESSED_DDL_FILE)).map((t) => t.name); // ["processed.customers", …]
 */
export function materialisedTables(script: string): MaterialisedTable[] {
  const statements = script
    .split("\n")
    .map((line) => line.replace(/--.*$/, ""))
    .join("\n")
    .split(";")
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
  return statements.map((statement) => {
    const match = DYNAMIC_TABLE.exec(statement);
    if (match === null)
      throw new Error(`not a dynamic table statement of the supported shape: ${statement.slice(0, 80)}`);
    const [, name = "", clusterBy, select = ""] = match;
    const order = clusterBy === undefined ? "" : ` ORDER BY ${clusterBy.trim()}`;
    return { name, create: `CREATE OR REPLACE TABLE ${name} AS SELECT * FROM (${select})${order}` };
  });
}
/** Macros giving DuckDB the Snowflake functions the report SQL uses. */
export const COMPAT_MACROS = ["CREATE OR REPLACE MACRO main.current_version() AS version()"] as const;

/** `ATTACH` of the catalog: a file path, or a private in-memory database. */
export function attachStatement(path: string | undefined): string {
  const target = path === undefined || path === ":memory:" ? ":memory:" : path;
  return `ATTACH IF NOT EXISTS '${target.replaceAll("'", "''")}' AS ${CATALOG}`;
}

export const USE_STATEMENT = `USE ${CATALOG}`;
