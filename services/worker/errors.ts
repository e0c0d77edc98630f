/** Errors of the worker's own bookkeeping, in the project's error model. */
import { PipelineError } from "#events/errors.js";

/** The claim record of a job id cannot be read as a claim (corrupt, or not written by the worker). */
export class JobClaimInvalidError extends PipelineError {
  readonly code = "JOB_CLAIM_INVALID";
  readonly retryable = false;
}
