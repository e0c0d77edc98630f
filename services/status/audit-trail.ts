/**
 * Reading the audit trail the auditor writes (see services/auditor/auditor.ts) through the AuditTrail
 * port: which objects under a prefix are audit records (by file name), bounded listings, and records
 * parsed back into validated events.
 */
import { isDetailType, parseReportEvent } from "#events/report-events.schema.js";
import { parseAuditFileName } from "#events/s3-layout.js";
import type { AuditTrail } from "./audit-trail.port.js";
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
  trail: AuditTrail,
  prefix: string,
  options: { maxKeys?: number; keep?: (key: AuditKey) => boolean } = {},
): Promise<AuditKey[]> {
  const maxKeys = options.maxKeys ?? 10_000;
  const out: AuditKey[] = [];
  for await (const key of trail.keys(prefix)) {
    const parsed = parseAuditFileName(key.slice(prefix.length));
    if (!parsed || (options.keep && !options.keep({ key, ...parsed }))) continue;
    if (out.length >= maxKeys) {
      throw new AuditTrailTooLargeError(
        `more than ${maxKeys} audit objects under ${trail.location}${prefix}`,
      );
    }
    out.push({ key, ...parsed });
  }
  return out;
}

/** Parses one audit record's text and validates its detail against the contract. */
export function parseAuditRecord(text: string): AuditedEvent {
  const record = JSON.parse(text) as { time?: unknown; detailType?: unknown; detail?: unknown };
  if (typeof record !== "object" || record === null) throw new Error("not a JSON object");
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
}

/** Reads one audit record; AuditRecordInvalidError (naming the key) when it is not one. */
export async function readAuditRecord(trail: AuditTrail, key: string): Promise<AuditedEvent> {
  const text = await trail.text(key);
  try {
    return parseAuditRecord(text);
  } catch (error) {
    throw new AuditRecordInvalidError(
      `${trail.location}${key} is not an audit record: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/**
 * The trail, remembering the text of the records it has read: an audit record is written once and never
 * changed (`If-None-Match: *`), so a poller reads each record once and then only lists. At most
 * `maxRecords` are kept (the oldest go first).
 */
export function rememberingTrail(trail: AuditTrail, maxRecords = 10_000): AuditTrail {
  const texts = new Map<string, string>();
  return {
    location: trail.location,
    keys: (prefix) => trail.keys(prefix),
    async text(key) {
      const known = texts.get(key);
      if (known !== undefined) return known;
      const text = await trail.text(key);
      if (texts.size >= maxRecords) texts.delete(texts.keys().next().value as string);
      texts.set(key, text);
      return text;
    },
  };
}
