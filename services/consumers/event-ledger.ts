/**
 * Exactly-once effects on top of at-least-once delivery: before a consumer acts on an event it claims
 * the event's id in S3 with a conditional write (`If-None-Match: *`); after acting it marks the claim
 * done. A redelivery finds `done` and does nothing; a concurrent delivery finds a fresh claim and comes
 * back later; a claim left by a crashed process goes stale and is taken over (`If-Match` on its ETag, so
 * only one taker wins).
 *
 *   _state/<consumer>/<eventId>.json   {"status":"claimed"|"done","at":"…","by":"…"}
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { STATE_PREFIX } from "#events/s3-layout.js";

export type ClaimResult =
  /** This process owns the event now: act, then `complete`. */
  | { status: "claimed" }
  /** Already handled: do nothing. */
  | { status: "done" }
  /** Another delivery is handling it right now: try again later. */
  | { status: "busy" };

interface ClaimRecord {
  status: "claimed" | "done";
  at: string;
  by: string;
}

const isStatus = (error: unknown, status: number) =>
  error instanceof S3ServiceException && error.$metadata.httpStatusCode === status;

export class EventLedger {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly consumer: string,
    /** A claim older than this is considered abandoned by a crashed process. */
    private readonly staleAfterMs: number,
    private readonly owner = `${process.pid}`,
  ) {}

  private key(eventId: string): string {
    return `${STATE_PREFIX}${this.consumer}/${eventId}.json`;
  }

  private record(status: ClaimRecord["status"]): string {
    return JSON.stringify({ status, at: new Date().toISOString(), by: this.owner } satisfies ClaimRecord);
  }

  async claim(eventId: string): Promise<ClaimResult> {
    const Key = this.key(eventId);
    try {
      await this.s3.send(
        new PutObjectCommand({ Bucket: this.bucket, Key, Body: this.record("claimed"), IfNoneMatch: "*" }),
      );
      return { status: "claimed" };
    } catch (error) {
      if (!isStatus(error, 412)) throw error;
    }
    let existing: ClaimRecord;
    let etag: string | undefined;
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      existing = JSON.parse((await out.Body?.transformToString()) ?? "{}") as ClaimRecord;
      etag = out.ETag;
    } catch (error) {
      // Released between our write and our read: let the next delivery claim it.
      if (isStatus(error, 404) || (error as { name?: string }).name === "NoSuchKey")
        return { status: "busy" };
      throw error;
    }
    if (existing.status === "done") return { status: "done" };
    const age = Date.now() - new Date(existing.at).getTime();
    if (!(age > this.staleAfterMs) || !etag) return { status: "busy" };
    try {
      await this.s3.send(
        new PutObjectCommand({ Bucket: this.bucket, Key, Body: this.record("claimed"), IfMatch: etag }),
      );
      return { status: "claimed" };
    } catch (error) {
      if (isStatus(error, 412)) return { status: "busy" };
      throw error;
    }
  }

  async complete(eventId: string): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: this.key(eventId), Body: this.record("done") }),
    );
  }

  /** Gives a claim back after a failure, so the retry can claim it at once. */
  async release(eventId: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(eventId) }));
  }
}
