/**
 * Reading the audit trail the auditor writes (see services/auditor/auditor.ts): prefix listings, paginated,
 * and records parsed back into validated events. Bounded: a listing stops at `maxKeys`, reads run a few
 * at a time.
 */
import { GetObjectCommand, paginateListObjectsV2, type S3Client } from "@aws-sdk/client-s3";
import { isDetailType, parseReportEvent } from "#events/report-events.schema.js";
import { parseAuditFileName } from "#events/s3-layout.js";
import { AuditRecordInvalidError, AuditTrailTooLargeError } from "./errors.js";
import type { AuditedEvent } from "./status-fold.js";

/** An audit object as named: its key and what its file name says. */
export interface AuditKey {
  key: string;
  time: string;
  detailType: string;
  eventId: string;
}

/**
 * Every audit object directly under `prefix` that `keep` accepts (objects whose names are not audit file
 * names are skipped). Throws AuditTrailTooLargeError past `maxKeys` kept keys, so memory stays bounded.
 */
export async function listAuditKeys(
  s3: S3Client,
  bucket: string,
  prefix: string,
  options: { maxKeys?: number; keep?: (key: AuditKey) => boolean } = {},
): Promise<AuditKey[]> {
  const maxKeys = options.maxKeys ?? 10_000;
  const out: AuditKey[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
    for (const object of page.Contents ?? []) {
      const key = object.Key ?? "";
      const parsed = parseAuditFileName(key.slice(prefix.length));
      if (!parsed || (options.keep && !options.keep({ key, ...parsed }))) continue;
      if (out.length >= maxKeys) {
        throw new AuditTrailTooLargeError(
          `more than ${maxKeys} audit objects under s3://${bucket}/${prefix}`,
        );
      }
      out.push({ key, ...parsed });
    }
  }
  return out;
}

/** Reads one audit record and validates its detail against the contract. */
export async function readAuditRecord(s3: S3Client, bucket: string, key: string): Promise<AuditedEvent> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const text = (await out.Body?.transformToString()) ?? "";
  try {
    const record = JSON.parse(text) as { time?: unknown; detailType?: unknown; detail?: unknown };
    if (typeof record.time !== "string" || !isDetailType(record.detailType)) {
      throw new Error("missing time or detailType");
    }
    const detail = parseReportEvent(record.detailType, record.detail);
    return {
      time: record.time,
      detailType: record.detailType,
      eventId: detail.eventId,
      detail,
    } as AuditedEvent;
  } catch (error) {
    throw new AuditRecordInvalidError(
      `s3://${bucket}/${key} is not an audit record: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** Maps `fn` over `items`, at most `limit` at a time, keeping order. */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
