-- Snowflake only. The API integration through which the external function submit_report reaches the
-- pipeline's HTTP intake (POST /snowflake/submit on the report worker, behind an Amazon API Gateway).
--
-- Run with SnowSQL variable substitution (nothing account-specific is committed):
--   snowsql -o variable_substitution=true \
--     -D api_role_arn=arn:aws:iam::123456789012:role/rp-prod-snowflake-intake \
--     -D api_prefix=https://abc123.execute-api.eu-west-1.amazonaws.com/prod/ \
--     -f sql/operations/01_api_integration.sql
-- Then run DESCRIBE INTEGRATION (below) and put API_AWS_IAM_USER_ARN and API_AWS_EXTERNAL_ID into the trust
-- policy of api_role_arn, so only this Snowflake account can call the API.
USE ROLE ACCOUNTADMIN;

CREATE API INTEGRATION IF NOT EXISTS report_pipeline_api
  API_PROVIDER = aws_api_gateway
  API_AWS_ROLE_ARN = '&{api_role_arn}'
  API_ALLOWED_PREFIXES = ('&{api_prefix}')
  ENABLED = TRUE
  COMMENT = 'Report pipeline intake: submit_report -> POST /snowflake/submit';

DESCRIBE INTEGRATION report_pipeline_api;

-- Who may create and call the function and run the tasks.
CREATE ROLE IF NOT EXISTS report_operator;
GRANT USAGE ON INTEGRATION report_pipeline_api TO ROLE report_operator;
GRANT USAGE ON WAREHOUSE reports_wh TO ROLE report_operator;
GRANT USAGE ON DATABASE analytics_platform TO ROLE report_operator;
GRANT EXECUTE TASK ON ACCOUNT TO ROLE report_operator;
