import { EventBridgeServiceException } from "@aws-sdk/client-eventbridge";
import { S3ServiceException } from "@aws-sdk/client-s3";
import { SecretsManagerServiceException } from "@aws-sdk/client-secrets-manager";
import { SNSServiceException } from "@aws-sdk/client-sns";
import { SQSServiceException } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import {
  classifyAwsError,
  isAwsAlreadyExists,
  isAwsNotFound,
  isAwsPreconditionFailed,
  isAwsSdkError,
  isAwsWriteConflict,
} from "../../aws-errors.js";
import { ERROR_CODES } from "../../error-codes.js";
import { AwsServiceError, toPipelineError, UnexpectedError } from "../../errors.js";

type Ctor = new (o: {
  name: string;
  $fault: "client" | "server";
  $metadata: { httpStatusCode?: number };
  message: string;
}) => Error;
const sdk = (Cls: Ctor, name: string, status: number | undefined, fault: "client" | "server" = "client") =>
  new Cls({
    name,
    $fault: fault,
    $metadata: status === undefined ? {} : { httpStatusCode: status },
    message: name,
  });

describe("classifyAwsError", () => {
  it.each([
    [sdk(S3ServiceException, "AccessDenied", 403), "AWS_ACCESS_DENIED", false],
    [sdk(S3ServiceException, "NoSuchBucket", 404), "AWS_NOT_FOUND", false],
    [sdk(S3ServiceException, "NotFound", 404), "AWS_NOT_FOUND", false],
    [sdk(S3ServiceException, "PreconditionFailed", 412), "AWS_PRECONDITION_FAILED", false],
    [sdk(S3ServiceException, "SlowDown", 503, "server"), "AWS_THROTTLED", true],
    [sdk(S3ServiceException, "InternalError", 500, "server"), "AWS_UNAVAILABLE", true],
    [sdk(S3ServiceException, "ConditionalRequestConflict", 409), "AWS_UNAVAILABLE", true],
    [sdk(SQSServiceException, "AWS.SimpleQueueService.NonExistentQueue", 400), "AWS_NOT_FOUND", false],
    [sdk(SQSServiceException, "QueueDoesNotExist", 400), "AWS_NOT_FOUND", false],
    [sdk(SQSServiceException, "InvalidParameterValue", 400), "AWS_INVALID_REQUEST", false],
    [sdk(SNSServiceException, "AuthorizationError", 403), "AWS_ACCESS_DENIED", false],
    [sdk(SNSServiceException, "Throttling", 400), "AWS_THROTTLED", true],
    [sdk(EventBridgeServiceException, "ValidationException", 400), "AWS_INVALID_REQUEST", false],
    [sdk(EventBridgeServiceException, "ResourceNotFoundException", 400), "AWS_NOT_FOUND", false],
    [sdk(SecretsManagerServiceException, "ResourceNotFoundException", 400), "AWS_NOT_FOUND", false],
    [sdk(SecretsManagerServiceException, "ExpiredTokenException", 400), "AWS_CREDENTIALS_EXPIRED", true],
    [sdk(S3ServiceException, "TooManyRequestsException", 429), "AWS_THROTTLED", true],
    [Object.assign(new Error("socket hang up"), { name: "TimeoutError" }), "AWS_TIMEOUT", true],
    [Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }), "AWS_UNAVAILABLE", true],
  ])("%s → %s (retryable %s)", (error, code, retryable) => {
    expect(classifyAwsError(error)).toMatchObject({ code, retryable });
    expect(ERROR_CODES[code as keyof typeof ERROR_CODES].retryable).toBe(retryable);
  });

  it("keeps the SDK's name and status as awsCode and httpStatus", () => {
    expect(classifyAwsError(sdk(S3ServiceException, "AccessDenied", 403))).toMatchObject({
      awsCode: "AccessDenied",
      httpStatus: 403,
    });
  });
});

describe("toPipelineError at the AWS edge", () => {
  it("maps an SDK error to an AwsServiceError with its retryable flag, keeping it as cause", () => {
    const raw = sdk(S3ServiceException, "AccessDenied", 403);

    const mapped = toPipelineError(raw);

    expect(mapped).toBeInstanceOf(AwsServiceError);
    expect(mapped).toMatchObject({ code: "AWS_ACCESS_DENIED", retryable: false, awsCode: "AccessDenied" });
    expect(mapped.cause).toBe(raw);
    expect(isAwsSdkError(raw)).toBe(true);
  });

  it("leaves a non-AWS error UNEXPECTED (retryable)", () => {
    expect(toPipelineError(new Error("boom"))).toBeInstanceOf(UnexpectedError);
    expect(isAwsSdkError(new Error("boom"))).toBe(false);
  });

  it("the predicates read raw and mapped errors alike", () => {
    const missing = sdk(S3ServiceException, "NoSuchKey", 404);
    const lost = sdk(S3ServiceException, "PreconditionFailed", 412);
    expect([isAwsNotFound(missing), isAwsNotFound(toPipelineError(missing))]).toEqual([true, true]);
    expect([isAwsPreconditionFailed(lost), isAwsPreconditionFailed(toPipelineError(lost))]).toEqual([
      true,
      true,
    ]);
    expect(isAwsWriteConflict(sdk(S3ServiceException, "ConditionalRequestConflict", 409))).toBe(true);
    expect(isAwsWriteConflict(sdk(S3ServiceException, "AccessDenied", 403))).toBe(false);
    expect(isAwsAlreadyExists(sdk(EventBridgeServiceException, "ResourceAlreadyExistsException", 400))).toBe(
      true,
    );
    expect(isAwsAlreadyExists(toPipelineError(sdk(S3ServiceException, "BucketAlreadyOwnedByYou", 409)))).toBe(
      true,
    );
    expect(isAwsAlreadyExists(sdk(S3ServiceException, "BucketAlreadyExists", 409))).toBe(false); // someone else's
  });
});
