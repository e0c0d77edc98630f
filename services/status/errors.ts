/**
 * Errors of job status and replay, in the project's error model (stable `code`, `retryable`, `cause` kept).
 */
import { PipelineError } from "#events/errors.js";

/** An object under `audit/` is not an audit record the auditor writes (corrupt, or not ours). */
export class AuditRecordInvalidError extends PipelineError {
  readonly code = "AUDIT_RECORD_INVALID";
  readonly retryable = false;
}

/** A job's audit prefix holds more objects than any job produces: refuse rather than read without bound. */
export class AuditTrailTooLargeError extends PipelineError {
  readonly code = "AUDIT_TRAIL_TOO_LARGE";
  readonly retryable = false;
}
