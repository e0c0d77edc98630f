/**
 * The AWS edge of the error model: the one reading of what an AWS SDK error (after the SDK's own retries)
 * means for the pipeline, so no adapter inspects SDK error shapes itself. Throttling, server errors,
 * timeouts and lost connections are retryable; access denied, a missing bucket/queue/secret, a lost
 * conditional write and a request AWS rejects as invalid are not, so they fail at once instead of being
 * retried until the DLQ. `toPipelineError` (errors.ts) turns any SDK error into an `AwsServiceError`
 * with these facts; the predicates below read raw and mapped errors alike.
 *
 * @example
 * ```ts
 * try { await s3.send(new HeadObjectCommand({ Bucket, Key })); }
 * catch (e) { if (isAwsNotFound(e)) return undefined; throw toAwsError(e, "S3.HeadObject"); }
 * ```
 */

/** The codes an AWS failure maps to (see `AWS_ERROR_CODES` in error-codes.ts for meaning and retryable). */
export type AwsErrorCode =
  | "AWS_THROTTLED"
  | "AWS_UNAVAILABLE"
  | "AWS_TIMEOUT"
  | "AWS_ACCESS_DENIED"
  | "AWS_CREDENTIALS_EXPIRED"
  | "AWS_NOT_FOUND"
  | "AWS_PRECONDITION_FAILED"
  | "AWS_INVALID_REQUEST"
  | "AWS_ERROR";

const THROTTLING = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottled",
  "RequestThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "SlowDown",
  "ProvisionedThroughputExceededException",
  "LimitExceededException",
  "BandwidthLimitExceeded",
  "EC2ThrottledException",
  "PriorRequestNotComplete",
]);
const TIMEOUT = new Set(["TimeoutError", "RequestTimeout", "RequestTimeoutException", "ETIMEDOUT"]);
const CONNECTION = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "NetworkingError",
  "ServiceUnavailable",
  "InternalError",
  "InternalFailure",
]);
const ACCESS = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "UnauthorizedOperation",
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "SignatureDoesNotMatch",
  "InvalidAccessKeyId",
  "AuthorizationError",
  "AuthorizationErrorException",
  "KMSAccessDeniedException",
  "AllAccessDisabled",
]);
const NOT_FOUND = new Set([
  "NotFound",
  "NoSuchKey",
  "NoSuchBucket",
  "NoSuchUpload",
  "NoSuchVersion",
  "ResourceNotFoundException",
  "NotFoundException",
  "QueueDoesNotExist",
  "AWS.SimpleQueueService.NonExistentQueue",
  "NonExistentQueue",
]);
const PRECONDITION = new Set(["PreconditionFailed"]);
/** S3's 409s for a concurrent operation on the same key: try again. */
const CONFLICT = new Set(["ConditionalRequestConflict", "OperationAborted"]);
/** Expired or not-yet-valid credentials: the SDK refreshes them, so a later attempt can succeed. */
const REFRESHABLE = new Set([
  "ExpiredToken",
  "ExpiredTokenException",
  "RequestExpired",
  "RequestTimeTooSkewed",
]);

interface SdkErrorShape {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $fault?: "client" | "server";
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

export interface AwsErrorFacts {
  code: AwsErrorCode;
  retryable: boolean;
  /** The SDK's name for the error, e.g. `AccessDenied`, `AWS.SimpleQueueService.NonExistentQueue`. */
  awsCode: string;
  /** HTTP status of the answer (0 when there was none: a timeout, a lost connection). */
  httpStatus: number;
  requestId?: string;
}

/** What an AWS SDK error (or a network error under it) means; anything else reads as `AWS_ERROR`. */
export function classifyAwsError(error: unknown): AwsErrorFacts {
  const mapped = (error as { awsFacts?: AwsErrorFacts } | undefined)?.awsFacts;
  if (mapped) return mapped; // already mapped (an AwsServiceError)
  const e = (error ?? {}) as SdkErrorShape;
  const awsCode = String(e.Code ?? e.name ?? e.code ?? "Error");
  const httpStatus = Number(e.$metadata?.httpStatusCode ?? 0);
  const requestId = e.$metadata?.requestId;
  const facts = (code: AwsErrorCode, retryable: boolean): AwsErrorFacts => ({
    code,
    retryable,
    awsCode,
    httpStatus,
    ...(requestId ? { requestId } : {}),
  });
  const names = [e.name, e.Code, e.code].filter((n): n is string => typeof n === "string");
  const is = (set: Set<string>) => names.some((n) => set.has(n));
  if (is(THROTTLING) || httpStatus === 429) return facts("AWS_THROTTLED", true);
  if (is(TIMEOUT)) return facts("AWS_TIMEOUT", true);
  if (is(REFRESHABLE)) return facts("AWS_CREDENTIALS_EXPIRED", true);
  if (is(PRECONDITION) || httpStatus === 412) return facts("AWS_PRECONDITION_FAILED", false);
  if (is(NOT_FOUND) || httpStatus === 404) return facts("AWS_NOT_FOUND", false);
  if (is(ACCESS) || httpStatus === 403) return facts("AWS_ACCESS_DENIED", false);
  if (is(CONNECTION) || is(CONFLICT) || httpStatus >= 500 || e.$fault === "server")
    return facts("AWS_UNAVAILABLE", true);
  if (e.$fault === "client" || (httpStatus >= 400 && httpStatus < 500))
    return facts("AWS_INVALID_REQUEST", Boolean(e.$retryable));
  return facts("AWS_ERROR", true);
}

/** Whether `error` is an error of the AWS SDK (v3): it carries the SDK's `$metadata` or `$fault`. */
export function isAwsSdkError(error: unknown): boolean {
  const e = error as SdkErrorShape | undefined;
  return typeof e === "object" && e !== null && (e.$metadata !== undefined || e.$fault !== undefined);
}

/** The object, key, queue or resource is not there. */
export const isAwsNotFound = (error: unknown) => classifyAwsError(error).code === "AWS_NOT_FOUND";

/** What a create call answers when the resource is there already (bus, archive, log group, own bucket, schedule). */
const ALREADY_EXISTS = new Set([
  "ResourceAlreadyExistsException",
  "ConflictException",
  "BucketAlreadyOwnedByYou",
  "ResourceInUseException",
]);

/** A create call met a resource of that name that already exists (and is ours). */
export const isAwsAlreadyExists = (error: unknown) => ALREADY_EXISTS.has(classifyAwsError(error).awsCode);

/** A conditional write lost: `If-None-Match: *` met an object, or `If-Match` met a newer one. */
export const isAwsPreconditionFailed = (error: unknown) =>
  classifyAwsError(error).code === "AWS_PRECONDITION_FAILED";

/**
 * A conditional write that lost (412) or met another conditional write in flight on the same key (S3's
 * 409 ConditionalRequestConflict): either way, read again and retry.
 */
export function isAwsWriteConflict(error: unknown): boolean {
  const f = classifyAwsError(error);
  return f.code === "AWS_PRECONDITION_FAILED" || CONFLICT.has(f.awsCode) || f.httpStatus === 409;
}
