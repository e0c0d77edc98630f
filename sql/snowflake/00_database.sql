-- Snowflake only (not run on DuckDB): the database, a warehouse and a role for the report worker, its
-- credit cap, and the service user it signs in as. Then run ../ddl/*.sql in order with the database
-- selected, then 90_grants.sql.
CREATE DATABASE IF NOT EXISTS analytics_platform;
USE DATABASE analytics_platform;

-- A monthly credit cap for the reports warehouse: notify at 80 %, stop new statements at 100 %, stop
-- everything at 110 %. Size CREDIT_QUOTA to the account (an XSMALL warehouse uses 1 credit per hour).
CREATE RESOURCE MONITOR IF NOT EXISTS reports_monitor
  WITH CREDIT_QUOTA = 100 FREQUENCY = MONTHLY START_TIMESTAMP = IMMEDIATELY
  TRIGGERS ON 80 PERCENT DO NOTIFY
           ON 100 PERCENT DO SUSPEND
           ON 110 PERCENT DO SUSPEND_IMMEDIATE;

-- STATEMENT_TIMEOUT_IN_SECONDS bounds every statement on this warehouse, whatever a session asks for
-- (the worker also sets its own, QUERY_TIMEOUT_MS, per statement; the smaller wins). A statement that
-- times out fails its job at once (WAREHOUSE_STATEMENT_TIMEOUT): it would time out again.
CREATE WAREHOUSE IF NOT EXISTS reports_wh
  WAREHOUSE_SIZE = 'XSMALL' AUTO_SUSPEND = 60 AUTO_RESUME = TRUE INITIALLY_SUSPENDED = TRUE
  STATEMENT_TIMEOUT_IN_SECONDS = 900
  STATEMENT_QUEUED_TIMEOUT_IN_SECONDS = 300
  RESOURCE_MONITOR = reports_monitor;

CREATE ROLE IF NOT EXISTS report_worker;

-- The worker's user is a SERVICE user: no password sign-in (Snowflake is retiring single-factor password
-- sign-in for people; service users sign in with a key pair). Put the public key on it, and the private
-- key in the worker's secret (`privateKey`, see services/warehouse/snowflake-credentials.ts):
--   openssl genrsa 2048 | openssl pkcs8 -topk8 -nocrypt -out rsa_key.p8
--   openssl rsa -in rsa_key.p8 -pubout -out rsa_key.pub
--   ALTER USER report_worker_svc SET RSA_PUBLIC_KEY = '<rsa_key.pub without its BEGIN/END lines>';
CREATE USER IF NOT EXISTS report_worker_svc
  TYPE = SERVICE
  DEFAULT_ROLE = report_worker
  DEFAULT_WAREHOUSE = reports_wh
  COMMENT = 'report pipeline worker (key-pair sign-in)';
GRANT ROLE report_worker TO USER report_worker_svc;
