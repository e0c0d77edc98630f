-- Snowflake only. The API integration through which the external function submit_report reaches the
-- pipeline's front door (POST /snowflake/submit on the stack's API Gateway REST API, forwarded to the
-- intake service). Step 2 of sql/operations/README.md.
--
-- Run with SnowSQL variable substitution (nothing account-specific is committed); both values are stack
-- outputs of the first deploy:
--   snowsql -o variable_substitution=true \
--     -D api_role_arn="$(pulumi stack output snowflakeApiRoleArn)" \
--     -D api_prefix="$(pulumi stack output snowflakeApiAllowedPrefix)" \
--     -f sql/operations/01_api_integration.sql
-- Then put API_AWS_IAM_USER_ARN and API_AWS_EXTERNAL_ID from DESCRIBE INTEGRATION (below) into the stack
-- config (snowflake.apiIntegration.iamUserArn / .externalId) and deploy again: the role then trusts only
-- this Snowflake account's user with this external id.
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
