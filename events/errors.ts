/**
 * The project's one error model. Every error the pipeline raises on purpose is a `PipelineError`: it has a
 * stable string `code` (it appears in logs and in `ReportFailed` events), a `retryable` flag (the worker
 * leaves a message for redelivery when true, and fails the job at once when false) and keeps its `cause`.
 * Each area adds its own subclasses in its own `errors.ts`.
 *
 * @example
 * ```ts
 * throw new ValidationError("parameters.to: must be on or after parameters.from", { field: "parameters.to" });
 * ```
 */
export interface PipelineErrorOptions {
  cause?: unknown;
}

export abstract class PipelineError extends Error {
  abstract readonly code: string;
  abstract readonly retryable: boolean;

  constructor(message: string, options: PipelineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }

  /** The shape carried in `ReportFailed.error` and in log lines. */
  toJSON(): { code: string; message: string; retryable: boolean } {
    return { code: this.code, message: this.message, retryable: this.retryable };
  }
}

/** Input that does not satisfy a contract (job message, event, CLI args, HTTP body). Never retryable. */
export class ValidationError extends PipelineError {
  readonly code: string = "VALIDATION_FAILED";
  readonly retryable = false;
  /** Dotted paths of the offending fields, e.g. `["parameters.to"]`. */
  readonly fields: string[];

  constructor(message: string, options: PipelineErrorOptions & { fields?: string[] } = {}) {
    super(message, options);
    this.fields = options.fields ?? [];
  }
}

/** Wraps anything thrown that is not a PipelineError, so callers can always read code and retryable. */
export class UnexpectedError extends PipelineError {
  readonly code = "UNEXPECTED";
  readonly retryable = true;
}

export function isPipelineError(error: unknown): error is PipelineError {
  return error instanceof PipelineError;
}

/** Normalises any thrown value into a PipelineError, keeping the original as `cause`. */
export function toPipelineError(error: unknown): PipelineError {
  if (error instanceof PipelineError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new UnexpectedError(message, { cause: error });
}
