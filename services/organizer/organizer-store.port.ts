/** What the organizer does to the bucket (its port; S3 adapter: s3-organizer-store.ts). */
import type { IndexEntry } from "#services/reports/report-index.js";

export type ReportTags = Record<string, string>;

export interface OrganizerStore {
  exists(bucket: string, key: string): Promise<boolean>;
  /** Copies `from` to `to` in the bucket, with these tags (replacing the source's); false if `from` is gone. */
  copy(bucket: string, from: string, to: string, tags: ReportTags): Promise<boolean>;
  /** Sets the object's tags (replacing any). */
  tag(bucket: string, key: string, tags: ReportTags): Promise<void>;
  remove(bucket: string, key: string): Promise<void>;
  /** Folds an organized report into its day's index and its category's latest pointer; the index key. */
  recordInIndexes(bucket: string, entry: IndexEntry): Promise<string>;
}
