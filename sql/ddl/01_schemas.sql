-- Schemas of database analytics_platform. Common SQL subset: runs on Snowflake (after USE DATABASE
-- analytics_platform, see ../snowflake/00_database.sql) and on DuckDB (the adapter ATTACHes a catalog named
-- analytics_platform and USEs it, so `raw.x` resolves to analytics_platform.raw.x on both engines).
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS processed;
CREATE SCHEMA IF NOT EXISTS reporting;
