/**
 * The catalogue of error codes: every `code` the pipeline puts in a `ReportFailed` / `ReportRejected`
 * event, a notification, a log line, an HTTP error answer or a CLI error, with what it means and whether
 * it is retryable. Subscribers switch on these; the AsyncAPI document lists them
 * (`components.schemas.ErrorCode`), and a test fails when the code raises one that is not listed here.
 *
 * `retryable`: true — the pipeline retries (redelivery with backoff) and a later attempt may succeed;
 * false — it fails at once; "varies" — the error carries its own flag (it follows the failure under it).
 *
 * @example
 * ```ts
 * if (ERROR_CODES[event.detail.error.code as ErrorCode]?.retryable === false) openTicket(event);
 * ```
 */
export interface ErrorCodeInfo {
  meaning: string;
  retryable: boolean | "varies";
  /** Where the code shows: pipeline events (and their logs), HTTP answers, or the CLI. */
  surface: "event" | "http" | "cli";
}

export const ERROR_CODES = {
  // contract and input
  VALIDATION_FAILED: {
    surface: "event",
    retryable: false,
    meaning: "input does not satisfy a contract; the message names the field",
  },
  UNKNOWN_REPORT_TYPE: {
    surface: "event",
    retryable: false,
    meaning: "the job names a report type that is not in the catalog",
  },
  INVALID_PARAMETERS: {
    surface: "event",
    retryable: false,
    meaning: "the report's parameters are out of range for its type",
  },
  CONFIG_INVALID: {
    surface: "event",
    retryable: false,
    meaning: "a process's configuration (environment) is missing or malformed",
  },
  UNEXPECTED: {
    surface: "event",
    retryable: true,
    meaning: "an error the pipeline did not anticipate; retried, then dead-lettered",
  },
  INTERRUPTED: {
    surface: "event",
    retryable: true,
    meaning: "the work was stopped (shutdown) before it finished; redelivered",
  },
  // jobs and reports
  JOB_SUBMIT_FAILED: {
    surface: "event",
    retryable: "varies",
    meaning: "a job could not be put on the jobs queue",
  },
  JOB_ID_CONFLICT: {
    surface: "event",
    retryable: false,
    meaning:
      "the jobId is already taken by a job with different content (type, parameters, format, requestedAt or delivery); the first job is unaffected; submit under a new jobId",
  },
  JOB_CLAIM_INVALID: {
    surface: "event",
    retryable: false,
    meaning: "the worker's claim record of the job id is unreadable; the job is not run",
  },
  JOB_DEAD_LETTERED: {
    surface: "event",
    retryable: false,
    meaning: "the job reached the jobs DLQ without a final outcome (e.g. a crash on its last receive)",
  },
  REPORT_ASSEMBLY_FAILED: {
    surface: "event",
    retryable: false,
    meaning: "the warehouse answered, but the report could not be put together from it",
  },
  GENERATED_REPORT_MISSING: {
    surface: "event",
    retryable: false,
    meaning: "the organizer found neither the generated report nor its organized copy",
  },
  CONCURRENT_UPDATE_CONFLICT: {
    surface: "event",
    retryable: true,
    meaning: "a shared S3 document (index, pointer, ledger) kept changing under the update",
  },
  EVENT_PUBLISH_FAILED: {
    surface: "event",
    retryable: true,
    meaning: "EventBridge did not take some events after retries; they are re-emitted on redelivery",
  },
  AUDIT_RECORD_INVALID: {
    surface: "event",
    retryable: false,
    meaning: "an audit-trail object is not a valid audit record",
  },
  AUDIT_TRAIL_TOO_LARGE: {
    surface: "event",
    retryable: false,
    meaning: "a replay or status query would read more of the audit trail than its limit",
  },
  SNOWFLAKE_BAD_REQUEST: {
    surface: "http",
    retryable: false,
    meaning: "a Snowflake external-function batch is malformed",
  },
  // warehouse
  WAREHOUSE_UNAVAILABLE: {
    surface: "event",
    retryable: true,
    meaning: "the warehouse could not be reached or is temporarily unable to serve",
  },
  WAREHOUSE_NETWORK: { surface: "event", retryable: true, meaning: "the connection to the warehouse failed" },
  WAREHOUSE_BUSY: { surface: "event", retryable: true, meaning: "the warehouse is queueing or suspended" },
  WAREHOUSE_THROTTLED: {
    surface: "event",
    retryable: true,
    meaning: "the warehouse refused for rate or concurrency limits",
  },
  WAREHOUSE_TIMEOUT: { surface: "event", retryable: true, meaning: "the statement ran past the time limit" },
  WAREHOUSE_STATEMENT_TIMEOUT: {
    surface: "event",
    retryable: false,
    meaning: "the statement ran past the warehouse's statement timeout; running it again would too",
  },
  WAREHOUSE_QUERY_CANCELLED: {
    surface: "event",
    retryable: false,
    meaning: "the statement was cancelled in the warehouse (by an operator or a resource monitor)",
  },
  WAREHOUSE_STREAM_ABORTED: {
    surface: "event",
    retryable: true,
    meaning: "a streamed result failed part-way (e.g. memory); the report is never cut short",
  },
  WAREHOUSE_SECRET_UNAVAILABLE: {
    surface: "event",
    retryable: true,
    meaning: "the warehouse credentials secret could not be read",
  },
  WAREHOUSE_QUERY_FAILED: {
    surface: "event",
    retryable: false,
    meaning: "the statement failed in the warehouse",
  },
  WAREHOUSE_SQL_INVALID: { surface: "event", retryable: false, meaning: "the statement does not compile" },
  WAREHOUSE_OBJECT_NOT_FOUND: {
    surface: "event",
    retryable: false,
    meaning: "a table or view the report reads does not exist",
  },
  WAREHOUSE_PERMISSION_DENIED: {
    surface: "event",
    retryable: false,
    meaning: "the warehouse role may not read what the report needs",
  },
  WAREHOUSE_BIND_INVALID: {
    surface: "event",
    retryable: false,
    meaning: "a bound parameter has the wrong type or form",
  },
  WAREHOUSE_DATA_ERROR: {
    surface: "event",
    retryable: false,
    meaning: "a value in the data could not be converted or computed",
  },
  WAREHOUSE_REQUEST_REJECTED: {
    surface: "event",
    retryable: false,
    meaning: "the warehouse rejected the request itself",
  },
  WAREHOUSE_CLIENT_REJECTED: {
    surface: "event",
    retryable: false,
    meaning: "the warehouse driver refused the call before sending it",
  },
  WAREHOUSE_CONFIG_INVALID: {
    surface: "event",
    retryable: false,
    meaning: "the warehouse credentials or settings are missing or malformed",
  },
  WAREHOUSE_FAULT_INJECTED: {
    surface: "event",
    retryable: true,
    meaning: "a fault injected by the local fault drills (never in production)",
  },
  // AWS (mapped once at the edge: events/aws-errors.ts)
  AWS_THROTTLED: {
    surface: "event",
    retryable: true,
    meaning: "an AWS API throttled the call after the SDK's retries",
  },
  AWS_UNAVAILABLE: {
    surface: "event",
    retryable: true,
    meaning: "an AWS API answered a server error or the connection failed",
  },
  AWS_TIMEOUT: { surface: "event", retryable: true, meaning: "an AWS call timed out" },
  AWS_CREDENTIALS_EXPIRED: {
    surface: "event",
    retryable: true,
    meaning: "the AWS credentials expired; the SDK refreshes them",
  },
  AWS_ACCESS_DENIED: {
    surface: "event",
    retryable: false,
    meaning: "IAM (or a key policy) does not allow the call",
  },
  AWS_NOT_FOUND: {
    surface: "event",
    retryable: false,
    meaning: "the bucket, key, queue, secret or resource does not exist",
  },
  AWS_PRECONDITION_FAILED: {
    surface: "event",
    retryable: false,
    meaning: "a conditional write lost to another writer",
  },
  AWS_INVALID_REQUEST: { surface: "event", retryable: false, meaning: "AWS rejected the request as invalid" },
  AWS_ERROR: {
    surface: "event",
    retryable: true,
    meaning: "an AWS call failed in a way the mapper does not know",
  },
  // HTTP answers
  BODY_TOO_LARGE: { surface: "http", retryable: false, meaning: "the request body exceeds the limit" },
  UNSUPPORTED_MEDIA_TYPE: {
    surface: "http",
    retryable: false,
    meaning: "a POST body is not declared `content-type: application/json` (UTF-8)",
  },
  NOT_FOUND: { surface: "http", retryable: false, meaning: "no such route" },
  METHOD_NOT_ALLOWED: { surface: "http", retryable: false, meaning: "the route does not take this method" },
  NOT_IMPLEMENTED: { surface: "http", retryable: false, meaning: "this process does not serve the route" },
  JOB_NOT_FOUND: { surface: "http", retryable: false, meaning: "no event of the job is known yet" },
  NOT_VIA_GATEWAY: {
    surface: "http",
    retryable: false,
    meaning:
      "the request reached the intake without the API gateway's token: it did not come through the front door (403)",
  },
  CALLER_UNKNOWN: {
    surface: "http",
    retryable: false,
    meaning: "the gateway passed no authenticated caller identity; sign the request with SigV4 (401)",
  },
  QUOTA_EXCEEDED: {
    surface: "http",
    retryable: true,
    meaning:
      "the caller's per-minute job quota at the intake is used up; retry after `retry-after` seconds (429)",
  },
  INTERNAL: {
    surface: "http",
    retryable: false,
    meaning: "the request failed inside the service; see its log",
  },
  // CLI
  TARGET_NOT_FOUND: {
    surface: "cli",
    retryable: false,
    meaning: "the queue, bus or bucket the CLI was pointed at does not exist",
  },
  JOB_UNKNOWN: {
    surface: "cli",
    retryable: false,
    meaning: "nothing is known of the job in the audit trail",
  },
  WAIT_TIMEOUT: {
    surface: "cli",
    retryable: false,
    meaning: "`--wait` gave up before the job reached a final outcome",
  },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isKnownErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}

/** What a pipeline event says about an error (ReportFailed.error). */
export interface EventError {
  code: string;
  message: string;
  retryable: boolean;
  queryIds?: string[];
}

/**
 * The error as events carry it: its code, the code's fixed meaning from this catalogue, `retryable`, the
 * names of the offending fields (a ValidationError's) and the query id. Never the error's own message:
 * that may quote warehouse data or SQL (a DuckDB cast error quotes the value it could not convert), and
 * events reach SNS, webhooks, the audit trail and `GET /jobs/:id`. The message goes to the log instead.
 *
 * @example
 * ```ts
 * eventErrorOf({ code: "WAREHOUSE_QUERY_FAILED", retryable: false, message: "Conversion Error: 'Oscorp'…" });
 * // { code: "WAREHOUSE_QUERY_FAILED", message: "the statement failed in the warehouse", retryable: false }
 * ```
 */
export function eventErrorOf(error: {
  code: string;
  retryable: boolean;
  fields?: readonly string[];
  queryId?: string | undefined;
}): EventError {
  const meaning = isKnownErrorCode(error.code)
    ? ERROR_CODES[error.code].meaning
    : ERROR_CODES.UNEXPECTED.meaning;
  const fields = (error.fields ?? []).slice(0, 10).map((f) => f.slice(0, 128));
  return {
    code: error.code,
    message: fields.length > 0 ? `${meaning} (fields: ${fields.join(", ")})` : meaning,
    retryable: error.retryable,
    ...(error.queryId ? { queryIds: [error.queryId.slice(0, 256)] } : {}),
  };
}
