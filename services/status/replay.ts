/**
 * Replay: rebuilds the daily index manifests (`reports/_index/<day>.json`) and the per-category
 * `latest.json` pointers from the audit trail, with the functions the organizer uses (`indexEntryOf`,
 * `addToIndex`, `newerPointer` from services/reports/report-index.ts; on S3 the JsonDocuments adapter is the
 * organizer's read-modify-write), so a rebuilt document is byte-identical to the one the organizer writes.
 * Storage comes in through two ports (audit-trail.port.ts).
 *
 * It re-reads `audit/dt=<day>/` for each day of the range plus the day after (a report generated just
 * before midnight may be organized just after it: its ReportOrganized is filed under the next day, its
 * index entry under the day it was generated), takes the ReportOrganized events, and folds their entries
 * into the documents. Additive and idempotent: it never removes an entry, writes a document only when the
 * fold changes it (If-Match, so a concurrent organizer loses nothing), and on a healthy bucket writes
 * nothing (`changed: 0`).
 *
 * @example
 * ```ts
 * const summary = await replayAuditTrail(
 *   { trail: new S3AuditTrail(clients.s3, bucket), documents: new S3JsonDocuments(clients.s3, bucket) },
 *   { from: "2025-08-01", to: "2025-08-03" },
 * );
 * console.log(summary.changed); // documents rewritten; 0 on a healthy bucket
 * ```
 */
import { ValidationError } from "#events/errors.js";
import { DetailType } from "#events/names.js";
import type { ReportGenerated, ReportOrganized } from "#events/report-events.schema.js";
import { auditDatePrefix, indexKey, latestPointerKey, type ReportCategory } from "#events/s3-layout.js";
import {
  addToIndex,
  type DailyIndex,
  type IndexEntry,
  indexEntryOf,
  type LatestPointer,
  newerPointer,
} from "#services/reports/report-index.js";
import { mapLimited } from "#services/shared/map-limited.js";
import { listAuditKeys, readAuditRecord } from "./audit-trail.js";
import type { AuditTrail, JsonDocuments } from "./audit-trail.port.js";

/** Longest range one replay covers, in days. */
export const MAX_REPLAY_DAYS = 366;

/** More reports organized in one day than this: refuse rather than hold them all in memory. */
export const MAX_ORGANIZED_PER_DAY = 200_000;

export interface ReplayRange {
  /** First day, YYYY-MM-DD (UTC). */
  from: string;
  /** Last day, YYYY-MM-DD (UTC), inclusive. */
  to: string;
}

export interface ReplayOptions extends ReplayRange {
  /** Compute what would change, write nothing. */
  dryRun?: boolean;
}

export interface ReplaySummary {
  from: string;
  to: string;
  dryRun: boolean;
  /** Audit partitions listed (the range plus the day after it). */
  daysScanned: number;
  /** Distinct ReportOrganized events read. */
  events: number;
  /** Index entries that fall in the range. */
  entries: number;
  /** Documents compared (daily indexes with entries in range, and latest pointers of their categories). */
  documentsChecked: number;
  /** Documents rewritten (or, with dryRun, that would be). */
  changed: number;
  changedKeys: string[];
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const isRealDay = (s: string) => DAY.test(s) && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s;
const addDays = (day: string, n: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/**
 * The days of a range, validated: real YYYY-MM-DD dates, `from` not after `to`, at most
 * {@link MAX_REPLAY_DAYS} days. Errors name the field (`from` / `to`).
 */
export function daysOfRange(range: ReplayRange): string[] {
  for (const field of ["from", "to"] as const) {
    if (!isRealDay(range[field])) {
      throw new ValidationError(`${field}: must be a date YYYY-MM-DD, got "${range[field]}"`, {
        fields: [field],
      });
    }
  }
  if (range.from > range.to) {
    throw new ValidationError(`to: must be on or after from (${range.from}), got "${range.to}"`, {
      fields: ["to"],
    });
  }
  const count = Math.round((Date.parse(range.to) - Date.parse(range.from)) / 86_400_000) + 1;
  if (count > MAX_REPLAY_DAYS) {
    throw new ValidationError(
      `to: the range covers ${count} days; replay at most ${MAX_REPLAY_DAYS} at a time`,
      { fields: ["to"] },
    );
  }
  return Array.from({ length: count }, (_, i) => addDays(range.from, i));
}

/**
 * The index entry the organizer recorded for a report, from its ReportOrganized: `indexEntryOf` reads only
 * report facts that ReportOrganized carries too (a unit test pins that both give the same entry).
 */
export function entryOfOrganized(d: ReportOrganized): IndexEntry {
  const facts: Pick<
    ReportGenerated,
    "jobId" | "reportType" | "format" | "sizeBytes" | "sha256" | "rowCount" | "generatedAt"
  > = d;
  return indexEntryOf(facts as ReportGenerated, d.finalKey);
}

/** The documents a set of entries determines: each day's index and each category's pointer, pure. */
export function planDocuments(
  entries: readonly IndexEntry[],
  days: readonly string[],
): {
  indexes: Map<string, { day: string; entries: IndexEntry[] }>;
  pointers: Map<ReportCategory, IndexEntry[]>;
} {
  const inRange = new Set(days);
  // Deterministic order, so two entries for one key (which the organizer never produces) resolve the same way.
  const sorted = [...entries].sort(
    (a, b) => a.generatedAt.localeCompare(b.generatedAt) || a.key.localeCompare(b.key),
  );
  const indexes = new Map<string, { day: string; entries: IndexEntry[] }>();
  const pointers = new Map<ReportCategory, IndexEntry[]>();
  for (const entry of sorted) {
    // Same day and key as recordInIndexes uses.
    const day = entry.generatedAt.slice(0, 10);
    if (!inRange.has(day)) continue;
    const key = indexKey(entry.generatedAt);
    const slot = indexes.get(key) ?? { day, entries: [] };
    slot.entries.push(entry);
    indexes.set(key, slot);
    pointers.set(entry.category, [...(pointers.get(entry.category) ?? []), entry]);
  }
  return { indexes, pointers };
}

/** Folds entries into a document with `step`; undefined when nothing changes (nothing to write). */
function foldAll<T>(
  current: T | undefined,
  entries: readonly IndexEntry[],
  step: (doc: T | undefined, entry: IndexEntry) => T | undefined,
): T | undefined {
  let doc = current;
  let changed = false;
  for (const entry of entries) {
    const next = step(doc, entry);
    if (next !== undefined) {
      doc = next;
      changed = true;
    }
  }
  return changed ? doc : undefined;
}

/** What replay reads from and writes to. */
export interface ReplayPorts {
  trail: AuditTrail;
  documents: JsonDocuments;
}

async function apply<T>(
  documents: JsonDocuments,
  key: string,
  change: (current: T | undefined) => T | undefined,
  dryRun: boolean,
): Promise<boolean> {
  if (dryRun) return change(await documents.read<T>(key)) !== undefined;
  return documents.update<T>(key, change);
}

export async function replayAuditTrail(
  { trail, documents }: ReplayPorts,
  options: ReplayOptions,
): Promise<ReplaySummary> {
  const days = daysOfRange(options);
  const dryRun = options.dryRun ?? false;
  const scanned = [...days, addDays(days.at(-1) ?? options.to, 1)];

  const organized = new Map<string, ReportOrganized>();
  for (const day of scanned) {
    const keys = await listAuditKeys(trail, auditDatePrefix(day), {
      maxKeys: MAX_ORGANIZED_PER_DAY,
      keep: (k) => k.detailType === DetailType.ReportOrganized && !organized.has(k.eventId),
    });
    const records = await mapLimited(keys, 16, (k) => readAuditRecord(trail, k.key));
    for (const r of records) {
      if (r.detailType === DetailType.ReportOrganized) organized.set(r.eventId, r.detail);
    }
  }

  const entries = [...organized.values()].map(entryOfOrganized);
  const { indexes, pointers } = planDocuments(entries, days);
  const changedKeys: string[] = [];
  for (const [key, { day, entries: dayEntries }] of indexes) {
    const changed = await apply<DailyIndex>(
      documents,
      key,
      (current) => foldAll(current, dayEntries, (doc, e) => addToIndex(doc, day, e)),
      dryRun,
    );
    if (changed) changedKeys.push(key);
  }
  for (const [category, categoryEntries] of pointers) {
    const key = latestPointerKey(category);
    const changed = await apply<LatestPointer>(
      documents,
      key,
      (current) => foldAll(current, categoryEntries, newerPointer),
      dryRun,
    );
    if (changed) changedKeys.push(key);
  }
  return {
    from: options.from,
    to: options.to,
    dryRun,
    daysScanned: scanned.length,
    events: organized.size,
    entries: [...indexes.values()].reduce((n, s) => n + s.entries.length, 0),
    documentsChecked: indexes.size + pointers.size,
    changed: changedKeys.length,
    changedKeys,
  };
}
