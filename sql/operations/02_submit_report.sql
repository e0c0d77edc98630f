-- Snowflake only. The external function submit_report(type, params [, options]) -> VARIANT.
--
-- Snowflake calls the intake in its external-function batch format; one row per call of the function:
--   request   {"data": [[0, "sales", {"from": "2025-07-01", "to": "2025-07-31"}], ...]}
--   response  {"data": [[0, "sf-sales-3f2a..."], [1, {"error": {"code": "VALIDATION_FAILED", "message": "...", "fields": ["parameters.to"]}}]]}
-- Each row returns the jobId (a string) or an error object naming the bad field; a bad row never fails the
-- query. The intake derives a deterministic jobId from the row content and the UTC date unless options.jobId
-- is given, so a retried batch or a task that runs twice queues the same job, not a second one.
-- The handler is services/intake/snowflake-external-function.ts.
--
--   snowsql -o variable_substitution=true -D api_prefix="$(pulumi stack output snowflakeApiAllowedPrefix)" \
--     -f sql/operations/02_submit_report.sql
USE ROLE report_operator;
USE DATABASE analytics_platform;
CREATE SCHEMA IF NOT EXISTS operations;
USE SCHEMA operations;

-- MAX_BATCH_ROWS matches MAX_BATCH_ROWS in the intake (500); larger batches would be rejected with a 400.
CREATE OR REPLACE EXTERNAL FUNCTION submit_report(report_type VARCHAR, params VARIANT)
  RETURNS VARIANT
  VOLATILE
  API_INTEGRATION = report_pipeline_api
  MAX_BATCH_ROWS = 500
  COMPRESSION = AUTO
  COMMENT = 'Queue a report job; returns its jobId or {"error": {...}}'
  AS '&{api_prefix}snowflake/submit';

-- options: {"jobId": "...", "format": "json|csv|ndjson", "correlationId": "..."}
CREATE OR REPLACE EXTERNAL FUNCTION submit_report(report_type VARCHAR, params VARIANT, options VARIANT)
  RETURNS VARIANT
  VOLATILE
  API_INTEGRATION = report_pipeline_api
  MAX_BATCH_ROWS = 500
  COMPRESSION = AUTO
  COMMENT = 'Queue a report job with options; returns its jobId or {"error": {...}}'
  AS '&{api_prefix}snowflake/submit';

-- What the tasks submitted and what came back (a jobId or an error), for operators and for retries.
CREATE TABLE IF NOT EXISTS report_submissions (
  submitted_at TIMESTAMP_TZ NOT NULL DEFAULT CURRENT_TIMESTAMP(),
  source VARCHAR NOT NULL,
  report_type VARCHAR NOT NULL,
  params VARIANT,
  result VARIANT,
  job_id VARCHAR AS (IFF(IS_VARCHAR(result), result::VARCHAR, NULL)),
  error VARIANT AS (result:error)
);

-- Ad hoc use:
--   SELECT operations.submit_report('sales', OBJECT_CONSTRUCT('from', '2025-07-01', 'to', '2025-07-31'));
--   SELECT operations.submit_report('data_quality', NULL, OBJECT_CONSTRUCT('format', 'csv'));
