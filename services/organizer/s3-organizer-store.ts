/**
 * The organizer's store on S3: HEAD / CopyObject (tags replaced) / PutObjectTagging / DeleteObject, and the
 * index manifest and latest pointer as JSON documents under optimistic concurrency (s3-json-document.ts),
 * updated concurrently.
 */
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { isAwsNotFound } from "#events/aws-errors.js";
import { indexKey, latestPointerKey } from "#events/s3-layout.js";
import { JsonDocumentUpdates } from "#services/consumers/s3-json-document.js";
import {
  addToIndex,
  type DailyIndex,
  type IndexEntry,
  type LatestPointer,
  newerPointer,
} from "#services/reports/report-index.js";
import type { OrganizerStore, ReportTags } from "./organizer-store.port.js";

/**
 * Folds one organized report into its day's index and its category's latest pointer. Pass the process's
 * `JsonDocumentUpdates` so that concurrent reports of the same day share one write of the index.
 */
export async function recordInIndexes(
  s3: S3Client,
  bucket: string,
  entry: IndexEntry,
  documents: JsonDocumentUpdates = new JsonDocumentUpdates(s3),
): Promise<string> {
  const dayKey = indexKey(entry.generatedAt);
  const day = entry.generatedAt.slice(0, 10);
  // Two independent documents: updated side by side (each under its own optimistic concurrency).
  await Promise.all([
    documents.update<DailyIndex>(bucket, dayKey, (current) => addToIndex(current, day, entry)),
    documents.update<LatestPointer>(bucket, latestPointerKey(entry.category), (current) =>
      newerPointer(current, entry),
    ),
  ]);
  return dayKey;
}

export class S3OrganizerStore implements OrganizerStore {
  private readonly documents: JsonDocumentUpdates;

  constructor(private readonly s3: S3Client) {
    this.documents = new JsonDocumentUpdates(s3);
  }

  async exists(bucket: string, key: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return true;
    } catch (error) {
      if (isAwsNotFound(error)) return false;
      throw error;
    }
  }

  async copy(bucket: string, from: string, to: string, tags: ReportTags): Promise<boolean> {
    try {
      await this.s3.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: to,
          CopySource: `${bucket}/${from}`,
          MetadataDirective: "COPY",
          TaggingDirective: "REPLACE",
          Tagging: new URLSearchParams(tags).toString(),
        }),
      );
      return true;
    } catch (error) {
      if (isAwsNotFound(error)) return false;
      throw error;
    }
  }

  async tag(bucket: string, key: string, tags: ReportTags): Promise<void> {
    await this.s3.send(
      new PutObjectTaggingCommand({
        Bucket: bucket,
        Key: key,
        Tagging: { TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
      }),
    );
  }

  async remove(bucket: string, key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }

  recordInIndexes(bucket: string, entry: IndexEntry): Promise<string> {
    return recordInIndexes(this.s3, bucket, entry, this.documents);
  }
}
