/**
 * Where the worker puts generated reports. First writer wins: `putIfAbsent` never overwrites, so a job
 * delivered twice yields one object, and the facts of that object (sha256, rows, summary…) travel with it
 * so a retry can re-emit the same event without re-running the query.
 */
import type { ReportFormat } from "#events/report-job.schema.js";

export interface StoredReportFacts {
  sha256: string;
  sizeBytes: number;
  rowCount: number;
  queryIds: string[];
  summary: Record<string, unknown>;
  generatedAt: string;
  durationMs: number;
  format: ReportFormat;
  contentType: string;
  /** The attempt (receive count) that wrote the object. */
  attempt: number;
}

/** A report spooled to a local file (a large one, or one the warehouse wrote itself). */
export interface LocalReportFile {
  path: string;
  sizeBytes: number;
  sha256: string;
}

/** A small report held in memory instead (no file): its bytes, measured. */
export interface InMemoryReport {
  bytes: Buffer;
  sizeBytes: number;
  sha256: string;
}

/** What the store uploads: the spool file, or the bytes of a report small enough to keep in memory. */
export type ReportContent = LocalReportFile | InMemoryReport;

export interface ReportStore {
  readonly bucket: string;
  /** The stored object's facts, or undefined if there is no object at `key`. */
  head(key: string): Promise<StoredReportFacts | undefined>;
  /** Writes `content` to `key` unless an object is already there. */
  putIfAbsent(key: string, content: ReportContent, facts: StoredReportFacts): Promise<"created" | "exists">;
}
