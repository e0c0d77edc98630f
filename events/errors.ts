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
import { type AwsErrorCode, type AwsErrorFacts, classifyAwsError, isAwsSdkError } from "./aws-errors.js";

export interface PipelineErrorOptions {
  cause?: unknown;
  /** The warehouse query the error is about, when one was running (it goes into ReportFailed). */
  queryId?: string;
}

export abstract class PipelineError extends Error {
  abstract readonly code: string;
  abstract readonly retryable: boolean;
  readonly queryId: string | undefined;

  constructor(message: string, options: PipelineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.queryId = options.queryId;
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

/**
 * An AWS call that failed after the SDK's retries, mapped once at the edge (aws-errors.ts): `code` is an
 * `AWS_*` code of the catalogue and `retryable` follows it (AccessDenied, NoSuchBucket, validation: not
 * retryable; throttling, 5xx, timeouts: retryable). The SDK error is the `cause`; its name is `awsCode`.
 */
export class AwsServiceError extends PipelineError {
  readonly code: AwsErrorCode;
  readonly retryable: boolean;
  readonly awsFacts: AwsErrorFacts;
  /** What was being done, e.g. `S3.PutObject` or `store report`. */
  readonly operation: string;

  constructor(facts: AwsErrorFacts, operation: string, message: string, options: PipelineErrorOptions = {}) {
    super(message, options);
    this.code = facts.code;
    this.retryable = facts.retryable;
    this.awsFacts = facts;
    this.operation = operation;
  }

  /** The SDK's name for the error, e.g. `AccessDenied`, `AWS.SimpleQueueService.NonExistentQueue`. */
  get awsCode(): string {
    return this.awsFacts.awsCode;
  }
}

/** Maps an error of an AWS call into an AwsServiceError (an AwsServiceError passes through). */
export function toAwsError(error: unknown, operation = "AWS call"): AwsServiceError {
  if (error instanceof AwsServiceError) return error;
  const facts = classifyAwsError(error);
  const detail = error instanceof Error ? error.message : String(error);
  return new AwsServiceError(facts, operation, `${operation} failed: ${facts.awsCode}: ${detail}`, {
    cause: error,
  });
}

/**
 * Normalises any thrown value into a PipelineError, keeping the original as `cause`: an AWS SDK error
 * becomes an AwsServiceError (so its retryable flag is AWS's, not a guess), anything else unknown an
 * UnexpectedError.
 */
export function toPipelineError(error: unknown): PipelineError {
  if (error instanceof PipelineError) return error;
  if (isAwsSdkError(error)) return toAwsError(error);
  const message = error instanceof Error ? error.message : String(error);
  return new UnexpectedError(message, { cause: error });
}

/** One event the publisher could not put on the bus, with the reason EventBridge (or the size check) gave. */
export interface FailedEventEntry {
  /** Position of the event in the list passed to the publisher. */
  index: number;
  detailType: string;
  eventId?: string;
  jobId?: string;
  errorCode: string;
  errorMessage: string;
  /** PutEvents calls that included this entry (0 when it was never sent, e.g. too large). */
  attempts: number;
}

/**
 * PutEvents left some entries unpublished after the publisher's retries. Retryable: the caller (e.g. the
 * worker) should let its message be redelivered; events carry deterministic ids, so re-emitting is safe.
 *
 * @example
 * ```ts
 * try { await publisher.publishAll(events); }
 * catch (e) { if (e instanceof EventPublishError) log.error({ code: e.code, failed: e.failed }); throw e; }
 * ```
 */
export class EventPublishError extends PipelineError {
  readonly code = "EVENT_PUBLISH_FAILED";
  readonly retryable = true;
  readonly failed: FailedEventEntry[];
  /** How many of the events were published. */
  readonly publishedCount: number;

  constructor(failed: FailedEventEntry[], publishedCount: number, options: PipelineErrorOptions = {}) {
    const list = failed
      .map(
        (f) => `#${f.index} ${f.detailType}${f.jobId ? ` ${f.jobId}` : ""}: ${f.errorCode} ${f.errorMessage}`,
      )
      .join("; ");
    super(`${failed.length} event(s) not published (${publishedCount} published): ${list}`, options);
    this.failed = failed;
    this.publishedCount = publishedCount;
  }
}

/**
 * A job could not be put on the jobs queue (the queue is missing, access denied, SQS kept failing).
 * `retryable` follows the underlying failure.
 *
 * @example
 * ```ts
 * try { await submitReportJob(sqs, queueUrl, job); }
 * catch (e) { if (e instanceof JobSubmitError && e.retryable) scheduleRetry(); else throw e; }
 * ```
 */
export class JobSubmitError extends PipelineError {
  readonly code = "JOB_SUBMIT_FAILED";
  readonly retryable: boolean;
  readonly jobId: string;
  /** The SQS error code, e.g. `AWS.SimpleQueueService.NonExistentQueue`. */
  readonly awsCode: string;

  constructor(
    message: string,
    details: { jobId: string; awsCode: string; retryable: boolean },
    options: PipelineErrorOptions = {},
  ) {
    super(message, options);
    this.jobId = details.jobId;
    this.awsCode = details.awsCode;
    this.retryable = details.retryable;
  }
}
