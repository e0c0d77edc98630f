-- Snowflake only (not run on DuckDB). The storage integration through which Snowflake reads the pipeline's
-- audit trail in S3, read-only and limited to the audit/ prefix of the reports bucket.
--
-- Run with SnowSQL variable substitution (nothing account-specific is committed):
--   snowsql -o variable_substitution=true \
--     -D bucket=rp-prod-reports \
--     -D s3_role_arn=arn:aws:iam::123456789012:role/rp-prod-snowflake-audit-reader \
--     -f sql/audit/01_storage_integration.sql
-- Then run DESCRIBE INTEGRATION (below) and put STORAGE_AWS_IAM_USER_ARN and STORAGE_AWS_EXTERNAL_ID into the
-- trust policy of s3_role_arn. That role needs only s3:GetObject, s3:GetObjectVersion on
-- arn:aws:s3:::<bucket>/audit/* and s3:ListBucket on arn:aws:s3:::<bucket> with the condition
-- s3:prefix LIKE "audit/*" (least privilege: the reports themselves stay out of Snowflake's reach). The
-- bucket uses SSE-S3 (AES256, infra/components/storage.ts), so no KMS grant is needed; add kms:Decrypt on
-- the key if that ever changes to SSE-KMS.
USE ROLE ACCOUNTADMIN;

CREATE STORAGE INTEGRATION IF NOT EXISTS report_pipeline_audit_s3
  TYPE = EXTERNAL_STAGE
  STORAGE_PROVIDER = 'S3'
  STORAGE_AWS_ROLE_ARN = '&{s3_role_arn}'
  -- Only the audit trail; a stage on any other prefix of the bucket is refused.
  STORAGE_ALLOWED_LOCATIONS = ('s3://&{bucket}/audit/')
  ENABLED = TRUE
  COMMENT = 'Report pipeline audit trail (s3://<bucket>/audit/), read-only';

DESCRIBE INTEGRATION report_pipeline_audit_s3;

-- The role that owns the stage and the external table (02_audit_events.sql) and refreshes it.
CREATE ROLE IF NOT EXISTS report_auditor;
-- So administrators (and whoever runs 02_audit_events.sql) can assume it.
GRANT ROLE report_auditor TO ROLE SYSADMIN;
GRANT USAGE ON INTEGRATION report_pipeline_audit_s3 TO ROLE report_auditor;
GRANT USAGE ON WAREHOUSE reports_wh TO ROLE report_auditor;
GRANT USAGE ON DATABASE analytics_platform TO ROLE report_auditor;
GRANT USAGE ON SCHEMA analytics_platform.raw TO ROLE report_auditor;
GRANT USAGE ON SCHEMA analytics_platform.processed TO ROLE report_auditor;
GRANT CREATE STAGE, CREATE FILE FORMAT, CREATE EXTERNAL TABLE, CREATE TASK
  ON SCHEMA analytics_platform.raw TO ROLE report_auditor;
GRANT CREATE VIEW ON SCHEMA analytics_platform.processed TO ROLE report_auditor;
GRANT EXECUTE TASK ON ACCOUNT TO ROLE report_auditor;
