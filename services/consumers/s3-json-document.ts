/**
 * Read-modify-write of a small JSON object in S3 without losing concurrent updates: read it with its
 * ETag, apply a pure change, write it back with `If-Match` (or `If-None-Match: *` when it did not
 * exist); on 412 someone else wrote in between, so read again and reapply. Used for the daily index
 * manifests and the `latest.json` pointers.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { isAwsNotFound, isAwsWriteConflict } from "#events/aws-errors.js";
import { PipelineError } from "#events/errors.js";

export class ConcurrentUpdateError extends PipelineError {
  readonly code = "CONCURRENT_UPDATE_CONFLICT";
  readonly retryable = true;
}

export async function readJson<T>(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<{ value: T; etag: string } | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const text = (await out.Body?.transformToString()) ?? "";
    return { value: JSON.parse(text) as T, etag: out.ETag ?? "" };
  } catch (error) {
    if (isAwsNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * Applies `change` to the document at `key`. `change` gets the current value (undefined if none) and
 * returns the new value, or undefined to leave the document as it is.
 */
export async function updateJson<T>(
  s3: S3Client,
  bucket: string,
  key: string,
  change: (current: T | undefined) => T | undefined,
  maxAttempts = 20,
): Promise<{ changed: boolean; value: T | undefined }> {
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const current = await readJson<T>(s3, bucket, key);
    const next = change(current?.value);
    if (next === undefined) return { changed: false, value: current?.value };
    try {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: `${JSON.stringify(next, null, 2)}\n`,
          ContentType: "application/json",
          ...(current ? { IfMatch: current.etag } : { IfNoneMatch: "*" }),
        }),
      );
      return { changed: true, value: next };
    } catch (error) {
      // 412: changed under us; 409: a concurrent conditional write in flight. Both: read again.
      if (!isAwsWriteConflict(error)) throw error;
      await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
    }
  }
  throw new ConcurrentUpdateError(`gave up updating ${key} after ${maxAttempts} conflicting writes`);
}
