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
 * - Database/warehouse/role setup (sql/snowflake/*.sql) is Snowflake-only and not run on DuckDB.
 */
export const CATALOG = "analytics_platform";

/** DDL files run, in order, to create the schemas, tables and views (same files as on Snowflake). */
export const DDL_FILES = [
  "ddl/01_schemas.sql",
  "ddl/02_raw_tables.sql",
  "ddl/03_processed_views.sql",
  "ddl/04_reporting_views.sql",
] as const;

/** Macros giving DuckDB the Snowflake functions the report SQL uses. */
export const COMPAT_MACROS = ["CREATE OR REPLACE MACRO main.current_version() AS version()"] as const;

/** `ATTACH` of the catalog: a file path, or a private in-memory database. */
export function attachStatement(path: string | undefined): string {
  const target = path === undefined || path === ":memory:" ? ":memory:" : path;
  return `ATTACH IF NOT EXISTS '${target.replaceAll("'", "''")}' AS ${CATALOG}`;
}

export const USE_STATEMENT = `USE ${CATALOG}`;
