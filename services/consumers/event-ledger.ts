/**
 * Exactly-once effects on top of at-least-once delivery: before a consumer acts on an event it claims
 * the event's id in S3 with a conditional write (`If-None-Match: *`); after acting it marks the claim
 * done. A redelivery finds `done` and does nothing; a concurrent delivery finds a fresh claim and comes
 * back later; a claim left by a crashed process goes stale and is taken over (`If-Match` on its ETag, so
 * only one taker wins). Each claim carries a fresh token, so a claim write that took effect although its
 * response was lost (the SDK retries it and meets its own object: 412) is recognised as ours, not "busy".
 *
 *   _state/<consumer>/<eventId>.json   {"status":"claimed"|"done","at":"…","by":"…"}
 */
import { randomUUID } from "node:crypto";
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { isAwsNotFound, isAwsPreconditionFailed } from "#events/aws-errors.js";
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
  /** Unique per claim attempt. */
  token?: string;
}

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

  private record(status: ClaimRecord["status"], token?: string): string {
    return JSON.stringify({
      status,
      at: new Date().toISOString(),
      by: this.owner,
      ...(token ? { token } : {}),
    } satisfies ClaimRecord);
  }

  private async read(Key: string): Promise<{ record: ClaimRecord; etag: string | undefined } | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      const record = JSON.parse((await out.Body?.transformToString()) ?? "{}") as ClaimRecord;
      return { record, etag: out.ETag };
    } catch (error) {
      if (isAwsNotFound(error)) return undefined;
      throw error;
    }
  }

  async claim(eventId: string): Promise<ClaimResult> {
    const Key = this.key(eventId);
    const token = randomUUID();
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key,
          Body: this.record("claimed", token),
          IfNoneMatch: "*",
        }),
      );
      return { status: "claimed" };
    } catch (error) {
      if (!isAwsPreconditionFailed(error)) throw error;
    }
    const existing = await this.read(Key);
    // Released between our write and our read: let the next delivery claim it.
    if (!existing) return { status: "busy" };
    if (existing.record.status === "done") return { status: "done" };
    // Our own write: it took effect but its response was lost, and the SDK's retry met it.
    if (existing.record.token === token) return { status: "claimed" };
    const age = Date.now() - new Date(existing.record.at).getTime();
    if (!(age > this.staleAfterMs) || !existing.etag) return { status: "busy" };
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key,
          Body: this.record("claimed", token),
          IfMatch: existing.etag,
        }),
      );
      return { status: "claimed" };
    } catch (error) {
      if (!isAwsPreconditionFailed(error)) throw error;
      // Another taker won, or our takeover took effect and only its response was lost.
      const now = await this.read(Key);
      return now?.record.status === "claimed" && now.record.token === token
        ? { status: "claimed" }
        : { status: "busy" };
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
