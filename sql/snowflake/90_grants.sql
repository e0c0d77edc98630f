-- Snowflake only: run after ../ddl/*.sql (the schemas must exist).
USE DATABASE analytics_platform;
GRANT USAGE ON WAREHOUSE reports_wh TO ROLE report_worker;
GRANT USAGE ON DATABASE analytics_platform TO ROLE report_worker;
-- The worker reads reporting (the reports) and raw (the data_quality checks); it writes nothing.
GRANT USAGE ON SCHEMA analytics_platform.raw TO ROLE report_worker;
GRANT USAGE ON SCHEMA analytics_platform.processed TO ROLE report_worker;
GRANT USAGE ON SCHEMA analytics_platform.reporting TO ROLE report_worker;
GRANT SELECT ON ALL TABLES IN SCHEMA analytics_platform.raw TO ROLE report_worker;
GRANT SELECT ON FUTURE TABLES IN SCHEMA analytics_platform.raw TO ROLE report_worker;
GRANT SELECT ON ALL DYNAMIC TABLES IN SCHEMA analytics_platform.processed TO ROLE report_worker;
GRANT SELECT ON FUTURE DYNAMIC TABLES IN SCHEMA analytics_platform.processed TO ROLE report_worker;
-- processed.audit_events (../audit/02_audit_events.sql) is a view
GRANT SELECT ON ALL VIEWS IN SCHEMA analytics_platform.processed TO ROLE report_worker;
GRANT SELECT ON FUTURE VIEWS IN SCHEMA analytics_platform.processed TO ROLE report_worker;
GRANT SELECT ON ALL VIEWS IN SCHEMA analytics_platform.reporting TO ROLE report_worker;
GRANT SELECT ON FUTURE VIEWS IN SCHEMA analytics_platform.reporting TO ROLE report_worker;
