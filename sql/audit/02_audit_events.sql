-- Snowflake only (not run on DuckDB). The audit trail as a table: analytics_platform.raw.audit_events, an
-- external table over the date-partitioned copy the auditor writes (services/auditor/auditor.ts), and the
-- view analytics_platform.processed.audit_events that flattens each event's detail into columns.
--
-- What is in S3 (events/s3-layout.ts):
--   audit/dt=<YYYY-MM-DD>/<YYYYMMDDTHHMMSSmmmZ>_<detailType>_<eventId>.json
-- one object per pipeline event, partitioned by the UTC day of the event's EventBridge time. Each object is
-- one JSON document and a newline:
--   {"id": <EventBridge event id>, "time": <ISO-8601 UTC>, "source": "report-pipeline.reports",
--    "detailType": "ReportStarted|ReportGenerated|ReportOrganized|ReportFailed|ReportRejected|ReportNotified",
--    "detail": { "schemaVersion", "eventId", "jobId", "reportType", ... per detail-type }}
-- The same objects are also filed by job (audit/jobs/<jobId>/) and, without a valid jobId, under
-- audit/unattributed/ (those are copies too: every event has a dt= copy). The PATTERN below reads only the
-- dt= copies, so no event is counted twice. A jobId cannot contain '=', so a job folder never matches.
--
-- Run after 01_storage_integration.sql, with the same variables:
--   snowsql -o variable_substitution=true -D bucket=rp-prod-reports -f sql/audit/02_audit_events.sql
USE ROLE report_auditor;
USE DATABASE analytics_platform;
USE WAREHOUSE reports_wh;

-- One JSON document per file. The auditor writes them uncompressed; AUTO also reads gzip if that changes.
CREATE FILE FORMAT IF NOT EXISTS raw.audit_json
  TYPE = JSON
  COMPRESSION = AUTO
  STRIP_OUTER_ARRAY = FALSE
  COMMENT = 'Report pipeline audit records: one JSON event per file';

CREATE STAGE IF NOT EXISTS raw.audit_stage
  URL = 's3://&{bucket}/audit/'
  STORAGE_INTEGRATION = report_pipeline_audit_s3
  FILE_FORMAT = raw.audit_json
  COMMENT = 'Report pipeline audit trail (read-only)';

-- Partitioned by the dt= path segment, so `WHERE dt BETWEEN ...` reads only those days' files. The partition
-- column may only be computed from METADATA$FILENAME; taking the text after 'dt=' up to the next '/' works
-- whether or not the file name Snowflake reports still carries the stage's audit/ prefix.
-- AUTO_REFRESH is off: it needs an S3 event notification on the bucket to Snowflake's SQS queue, and the
-- bucket's notifications belong to infra/. The task at the end refreshes today's and yesterday's partitions
-- instead. (To switch to event-driven refresh: ALTER ... SET AUTO_REFRESH = TRUE, read notification_channel
-- from SHOW EXTERNAL TABLES, and add an s3:ObjectCreated:* notification for prefix audit/dt= in infra/.)
CREATE EXTERNAL TABLE IF NOT EXISTS raw.audit_events (
  dt DATE AS TO_DATE(SPLIT_PART(SPLIT_PART(METADATA$FILENAME, 'dt=', 2), '/', 1), 'YYYY-MM-DD'),
  event_id VARCHAR AS (value:detail:eventId::VARCHAR),
  event_time TIMESTAMP_TZ AS (TRY_TO_TIMESTAMP_TZ(value:time::VARCHAR)),
  detail_type VARCHAR AS (value:detailType::VARCHAR),
  job_id VARCHAR AS (value:detail:jobId::VARCHAR)
)
  PARTITION BY (dt)
  LOCATION = @raw.audit_stage
  PATTERN = '.*dt=[0-9]{4}-[0-9]{2}-[0-9]{2}/[^/]+[.]json'
  FILE_FORMAT = (FORMAT_NAME = 'raw.audit_json')
  AUTO_REFRESH = FALSE
  COMMENT = 'Report pipeline events, one row per event (audit/dt=<day>/), partitioned by dt';

-- The whole trail once, then per-day refreshes keep it current (a full REFRESH lists every file).
ALTER EXTERNAL TABLE raw.audit_events REFRESH;

-- Every 10 minutes: register new files of today's and yesterday's partitions (UTC, like the dt= segment;
-- yesterday too because events of the last minutes before midnight land after the previous run).
CREATE OR REPLACE TASK raw.refresh_audit_events
  WAREHOUSE = reports_wh
  SCHEDULE = '10 MINUTE'
  COMMENT = 'Registers new audit files of today and yesterday (UTC) in raw.audit_events'
AS
  EXECUTE IMMEDIATE $$
  DECLARE
    today_dt VARCHAR DEFAULT TO_VARCHAR(CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP())::DATE, 'YYYY-MM-DD');
    yesterday_dt VARCHAR DEFAULT TO_VARCHAR(DATEADD(day, -1, CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP())::DATE), 'YYYY-MM-DD');
  BEGIN
    EXECUTE IMMEDIATE 'ALTER EXTERNAL TABLE raw.audit_events REFRESH ''dt=' || yesterday_dt || '/''';
    EXECUTE IMMEDIATE 'ALTER EXTERNAL TABLE raw.audit_events REFRESH ''dt=' || today_dt || '/''';
  END;
  $$;

ALTER TASK raw.refresh_audit_events RESUME;

-- One row per event with the detail's fields as columns (NULL where a detail-type does not carry one).
-- Filter on dt for partition pruning; event_time is the EventBridge time (second precision).
-- The auditor writes each event id once, so event_id is unique in practice; a consumer that re-emits an
-- event after a crash may file a second copy with a later time, so count with COUNT(DISTINCT event_id).
CREATE OR REPLACE VIEW processed.audit_events
  COMMENT = 'Report pipeline events from the audit trail, detail flattened; filter on dt'
AS
SELECT
  dt,
  event_time,
  detail_type,
  event_id,
  value:id::VARCHAR                        AS eventbridge_id,
  value:source::VARCHAR                    AS source,
  value:detail:schemaVersion::VARCHAR      AS schema_version,
  job_id,
  value:detail:reportType::VARCHAR         AS report_type,
  value:detail:correlationId::VARCHAR      AS correlation_id,
  value:detail:attempt::INTEGER            AS attempt,
  -- ReportStarted
  TRY_TO_TIMESTAMP_TZ(value:detail:startedAt::VARCHAR)   AS started_at,
  -- ReportGenerated (generatedAt also on ReportOrganized)
  value:detail:key::VARCHAR                AS generated_key,
  TRY_TO_TIMESTAMP_TZ(value:detail:generatedAt::VARCHAR) AS generated_at,
  value:detail:durationMs::INTEGER         AS duration_ms,
  value:detail:format::VARCHAR             AS format,
  value:detail:sizeBytes::INTEGER          AS size_bytes,
  value:detail:rowCount::INTEGER           AS row_count,
  value:detail:sha256::VARCHAR             AS sha256,
  -- ReportOrganized
  value:detail:finalKey::VARCHAR           AS final_key,
  value:detail:category::VARCHAR           AS category,
  value:detail:indexKey::VARCHAR           AS index_key,
  -- ReportFailed
  value:detail:error:code::VARCHAR         AS error_code,
  value:detail:error:message::VARCHAR      AS error_message,
  value:detail:error:retryable::BOOLEAN    AS error_retryable,
  value:detail:final::BOOLEAN              AS is_final,
  -- ReportRejected
  value:detail:reason::VARCHAR             AS reject_reason,
  value:detail:messageId::VARCHAR          AS rejected_message_id,
  -- ReportNotified (channels stay an array: one element per channel with its outcome)
  value:detail:forDetailType::VARCHAR      AS notified_for,
  value:detail:forEventId::VARCHAR         AS notified_for_event_id,
  value:detail:channels                    AS notification_channels,
  TRY_TO_TIMESTAMP_TZ(value:detail:notifiedAt::VARCHAR)  AS notified_at,
  value:detail                             AS detail,
  METADATA$FILENAME                        AS file_name
FROM raw.audit_events;

-- Examples:
--   Failures by error code over the last week:
--     SELECT error_code, COUNT(DISTINCT job_id) AS jobs FROM processed.audit_events
--     WHERE dt >= DATEADD(day, -7, CURRENT_DATE()) AND detail_type = 'ReportFailed' AND is_final
--     GROUP BY error_code ORDER BY jobs DESC;
--   One job's trail:
--     SELECT event_time, detail_type, attempt, error_code, final_key FROM processed.audit_events
--     WHERE dt BETWEEN '2025-08-01' AND '2025-08-03' AND job_id = 'WORKFLOW_SALES_001' ORDER BY event_time;
