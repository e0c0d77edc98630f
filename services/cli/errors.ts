/**
 * Errors of the `reports` CLI, in the project's error model, and the exit code each maps to.
 *
 *   0 ok · 1 a job failed or was rejected, or AWS refused a call · 2 invalid input (the field is named)
 *   3 `status`: no event of the job is known · 124 --wait / --timeout ran out · 130 interrupted (Ctrl-C)
 */
import { PipelineError, ValidationError } from "#events/errors.js";
import { ConfigError } from "#services/shared/config.js";

export const EXIT = { ok: 0, failed: 1, usage: 2, unknownJob: 3, timeout: 124, interrupted: 130 } as const;

/** A wait (`submit --wait`) ran past its `--timeout`. */
export class WaitTimeoutError extends PipelineError {
  readonly code = "WAIT_TIMEOUT";
  readonly retryable = true;
}

/** The CLI was interrupted (SIGINT / SIGTERM) and cleaned up. */
export class InterruptedError extends PipelineError {
  readonly code = "INTERRUPTED";
  readonly retryable = false;
}

/** The topology the CLI was pointed at does not exist (wrong --prefix, not provisioned). */
export class TargetNotFoundError extends PipelineError {
  readonly code = "TARGET_NOT_FOUND";
  readonly retryable = false;
}

/** `reports status`: the audit trail holds no event of the job (never submitted, or not audited yet). */
export class UnknownJobError extends PipelineError {
  readonly code = "JOB_UNKNOWN";
  readonly retryable = false;
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof ValidationError || error instanceof ConfigError) return EXIT.usage;
  if (error instanceof UnknownJobError) return EXIT.unknownJob;
  if (error instanceof WaitTimeoutError) return EXIT.timeout;
  if (error instanceof InterruptedError) return EXIT.interrupted;
  return EXIT.failed;
}
