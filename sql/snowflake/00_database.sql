-- Snowflake only (not run on DuckDB): the database, a warehouse and a role for the report worker.
-- Then run ../ddl/*.sql in order with the database selected, then 90_grants.sql.
CREATE DATABASE IF NOT EXISTS analytics_platform;
USE DATABASE analytics_platform;

CREATE WAREHOUSE IF NOT EXISTS reports_wh
  WAREHOUSE_SIZE = 'XSMALL' AUTO_SUSPEND = 60 AUTO_RESUME = TRUE INITIALLY_SUSPENDED = TRUE;

CREATE ROLE IF NOT EXISTS report_worker;
