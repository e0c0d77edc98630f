/**
 * The daily index manifest and the per-category `latest.json` pointer: pure functions that fold one
 * organized report into the current document. Deterministic (entries sorted by key, no clock), so the
 * organizer and a replay from the audit trail produce byte-identical documents.
 */
import type { ReportGenerated } from "#events/report-events.schema.js";
import { CATEGORY_OF, type ReportCategory } from "#events/s3-layout.js";

export interface IndexEntry {
  key: string;
  jobId: string;
  reportType: string;
  category: ReportCategory;
  format: string;
  sizeBytes: number;
  sha256: string;
  rowCount: number;
  generatedAt: string;
}

export interface DailyIndex {
  date: string;
  count: number;
  reports: IndexEntry[];
}

export type LatestPointer = IndexEntry;

/** Adds `entry` to the day's index; undefined when it is already there unchanged (nothing to write). */
export function addToIndex(
  current: DailyIndex | undefined,
  date: string,
  entry: IndexEntry,
): DailyIndex | undefined {
  const reports = current?.reports ?? [];
  const existing = reports.find((r) => r.key === entry.key);
  if (existing && JSON.stringify(existing) === JSON.stringify(entry)) return undefined;
  const next = [...reports.filter((r) => r.key !== entry.key), entry].sort((a, b) =>
    a.key.localeCompare(b.key),
  );
  return { date, count: next.length, reports: next };
}

/** Points `latest.json` at `entry` if it is newer than what it points at (ties broken by key). */
export function newerPointer(
  current: LatestPointer | undefined,
  entry: IndexEntry,
): LatestPointer | undefined {
  if (current) {
    const order =
      current.generatedAt.localeCompare(entry.generatedAt) || current.key.localeCompare(entry.key);
    if (order >= 0 && !(current.key === entry.key && JSON.stringify(current) !== JSON.stringify(entry))) {
      return undefined;
    }
  }
  return entry;
}

/** The index entry of a generated report once organized under `finalKey`. */
export function indexEntryOf(
  d: Pick<
    ReportGenerated,
    "jobId" | "reportType" | "format" | "sizeBytes" | "sha256" | "rowCount" | "generatedAt"
  >,
  finalKey: string,
): IndexEntry {
  return {
    key: finalKey,
    jobId: d.jobId,
    reportType: d.reportType,
    category: CATEGORY_OF[d.reportType],
    format: d.format,
    sizeBytes: d.sizeBytes,
    sha256: d.sha256,
    rowCount: d.rowCount,
    generatedAt: d.generatedAt,
  };
}
