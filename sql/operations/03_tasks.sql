-- Snowflake only. Tasks that submit reports on schedules through submit_report, with date windows computed
-- in Snowflake (yesterday, last week, last month), and record every answer in report_submissions.
-- Tasks are created suspended; RESUME them at the end once the function works (SELECT it by hand first).
USE ROLE report_operator;
USE DATABASE analytics_platform;
USE SCHEMA operations;

-- Daily at 06:00 Berlin time: yesterday's sales by day.
CREATE OR REPLACE TASK daily_sales_report
  WAREHOUSE = reports_wh
  SCHEDULE = 'USING CRON 0 6 * * * Europe/Berlin'
  COMMENT = 'Yesterday''s sales report'
AS
  INSERT INTO report_submissions (source, report_type, params, result)
  SELECT 'task:daily_sales_report', 'sales', p, submit_report('sales', p)
  FROM (SELECT OBJECT_CONSTRUCT(
      'from', TO_VARCHAR(DATEADD(day, -1, CURRENT_DATE()), 'YYYY-MM-DD'),
      'to', TO_VARCHAR(DATEADD(day, -1, CURRENT_DATE()), 'YYYY-MM-DD'),
      'granularity', 'day') AS p);

-- Weekly on Monday 07:00: last week's customer analysis, and a data-quality check.
CREATE OR REPLACE TASK weekly_customer_report
  WAREHOUSE = reports_wh
  SCHEDULE = 'USING CRON 0 7 * * MON Europe/Berlin'
  COMMENT = 'Last week''s customer analysis and a data-quality check'
AS
  INSERT INTO report_submissions (source, report_type, params, result)
  SELECT 'task:weekly_customer_report', t, p, submit_report(t, p)
  FROM (
    SELECT 'customer_analysis' AS t, OBJECT_CONSTRUCT(
        'from', TO_VARCHAR(DATEADD(week, -1, DATE_TRUNC(week, CURRENT_DATE())), 'YYYY-MM-DD'),
        'to', TO_VARCHAR(DATEADD(day, -1, DATE_TRUNC(week, CURRENT_DATE())), 'YYYY-MM-DD')) AS p
    UNION ALL
    SELECT 'data_quality', OBJECT_CONSTRUCT('freshnessHours', 48)
  );

-- Monthly on the 1st at 07:00: last month's executive dashboard.
CREATE OR REPLACE TASK monthly_executive_report
  WAREHOUSE = reports_wh
  SCHEDULE = 'USING CRON 0 7 1 * * Europe/Berlin'
  COMMENT = 'Last month''s executive dashboard'
AS
  INSERT INTO report_submissions (source, report_type, params, result)
  SELECT 'task:monthly_executive_report', 'executive_dashboard', p, submit_report('executive_dashboard', p)
  FROM (SELECT OBJECT_CONSTRUCT(
      'from', TO_VARCHAR(DATEADD(month, -1, DATE_TRUNC(month, CURRENT_DATE())), 'YYYY-MM-DD'),
      'to', TO_VARCHAR(DATEADD(day, -1, DATE_TRUNC(month, CURRENT_DATE())), 'YYYY-MM-DD'),
      'granularity', 'week') AS p);

ALTER TASK daily_sales_report RESUME;
ALTER TASK weekly_customer_report RESUME;
ALTER TASK monthly_executive_report RESUME;

-- Failed submissions of the last week:
--   SELECT * FROM report_submissions WHERE error IS NOT NULL AND submitted_at > DATEADD(day, -7, CURRENT_TIMESTAMP());
