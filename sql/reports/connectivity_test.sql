-- connectivity_test: a round-trip that proves the session reaches the warehouse and the database.
-- CURRENT_VERSION() is Snowflake's; the DuckDB adapter defines a macro of that name (see
-- services/warehouse/duckdb-dialect.ts), so this file stays Snowflake-native and runs on both.
SELECT
  1 AS ok,
  CAST(CURRENT_VERSION() AS VARCHAR) AS warehouse_version,
  CAST(CURRENT_DATABASE() AS VARCHAR) AS database_name,
  -- 1 when the reporting schema is readable by this role (reads at most one row)
  (SELECT CAST(COUNT(*) AS INTEGER) FROM (SELECT 1 AS x FROM reporting.customers LIMIT 1) probe) AS reporting_readable;
