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

type Change<T> = (current: T | undefined) => T | undefined;

interface Waiting {
  change: Change<unknown>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * `updateJson` for many concurrent callers in one process: the changes that arrive while a document is
 * being written wait, then go together in the next read-modify-write of it (in arrival order), so a
 * process's own handlers never race one another for the same document (a day's index is written by
 * every job of that day). Each caller's promise settles when a write containing its change succeeded,
 * or with that write's error. Across processes, `updateJson`'s optimistic concurrency still applies.
 */
export class JsonDocumentUpdates {
  private readonly queues = new Map<string, Waiting[]>();

  constructor(private readonly s3: S3Client) {}

  update<T>(bucket: string, key: string, change: Change<T>): Promise<void> {
    const id = `${bucket}/${key}`;
    return new Promise<void>((resolve, reject) => {
      const waiting: Waiting = { change: change as Change<unknown>, resolve, reject };
      const queue = this.queues.get(id);
      if (queue) {
        queue.push(waiting);
        return;
      }
      this.queues.set(id, [waiting]);
      void this.drain(id, bucket, key);
    });
  }

  private async drain(id: string, bucket: string, key: string): Promise<void> {
    for (;;) {
      const batch = this.queues.get(id) ?? [];
      if (batch.length === 0) {
        this.queues.delete(id);
        return;
      }
      // later arrivals queue behind this write
      this.queues.set(id, []);
      try {
        await updateJson<unknown>(this.s3, bucket, key, (current) => {
          let value = current;
          let changed = false;
          for (const w of batch) {
            const next = w.change(value);
            if (next !== undefined) {
              value = next;
              changed = true;
            }
          }
          return changed ? value : undefined;
        });
        for (const w of batch) w.resolve();
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
  }
}
