/** Reading S3 answers that the pipeline's conditional writes and existence checks depend on. */
import { S3ServiceException } from "@aws-sdk/client-s3";

/** The HTTP status of an S3 error (0 if it is not one). */
export function s3Status(error: unknown): number {
  return error instanceof S3ServiceException ? (error.$metadata.httpStatusCode ?? 0) : 0;
}

/** A conditional write lost: `If-None-Match: *` met an object, or `If-Match` met a newer one. */
export function isPreconditionFailed(error: unknown): boolean {
  return s3Status(error) === 412 || (error as { name?: string })?.name === "PreconditionFailed";
}

/** The key (or object) is not there; HEAD answers a bare 404 named "NotFound". */
export function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string })?.name;
  return s3Status(error) === 404 || name === "NotFound" || name === "NoSuchKey";
}
