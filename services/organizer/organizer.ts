/**
 * Organizer (on ReportGenerated): copies the report from `generated/` to its canonical key
 * `reports/<category>/<file>`, tags it, folds it into the day's index manifest and the category's
 * `latest.json` (optimistic concurrency, nothing lost when reports finish together), removes the
 * `generated/` copy and emits ReportOrganized. Every step is idempotent, so reprocessing the same event
 * (or resuming after a crash half-way) changes nothing.
 */
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { isAwsNotFound } from "#events/aws-errors.js";
import { PipelineError } from "#events/errors.js";
import { DetailType, SCHEMA_VERSION } from "#events/names.js";
import { eventIdFor } from "#events/report-events.schema.js";
import { CATEGORY_OF, indexKey, latestPointerKey, organizedKeyFor } from "#events/s3-layout.js";
import type { ConsumerDefinition } from "#services/consumers/event-consumer.js";
import type { ConsumerFactory } from "#services/consumers/run-consumers.js";
import { updateJson } from "#services/consumers/s3-json-document.js";
import {
  addToIndex,
  type DailyIndex,
  type IndexEntry,
  indexEntryOf,
  type LatestPointer,
  newerPointer,
} from "#services/reports/report-index.js";
import type { EventSink } from "#services/shared/event-sink.js";

export class GeneratedReportMissingError extends PipelineError {
  readonly code = "GENERATED_REPORT_MISSING";
  readonly retryable = false;
}

async function exists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    if (isAwsNotFound(error)) return false;
    throw error;
  }
}

/** Folds one organized report into its day's index and its category's latest pointer. */
export async function recordInIndexes(s3: S3Client, bucket: string, entry: IndexEntry): Promise<string> {
  const dayKey = indexKey(entry.generatedAt);
  const day = entry.generatedAt.slice(0, 10);
  await updateJson<DailyIndex>(s3, bucket, dayKey, (current) => addToIndex(current, day, entry));
  await updateJson<LatestPointer>(s3, bucket, latestPointerKey(entry.category), (current) =>
    newerPointer(current, entry),
  );
  return dayKey;
}

export function createOrganizer(deps: {
  s3: S3Client;
  bucket: string;
  events: EventSink;
}): ConsumerDefinition {
  return {
    id: "organizer",
    accepts: [DetailType.ReportGenerated],
    useLedger: true,
    async handle(event, log) {
      if (event.detailType !== DetailType.ReportGenerated) return;
      const d = event.detail;
      const bucket = d.bucket;
      const finalKey = organizedKeyFor(d.key, d.reportType);
      const category = CATEGORY_OF[d.reportType];
      const tags = { reportType: d.reportType, jobId: d.jobId, format: d.format, category };

      if (!(await exists(deps.s3, bucket, finalKey))) {
        if (!(await exists(deps.s3, bucket, d.key))) {
          throw new GeneratedReportMissingError(`neither ${d.key} nor ${finalKey} exists in ${bucket}`);
        }
        await deps.s3.send(
          new CopyObjectCommand({
            Bucket: bucket,
            Key: finalKey,
            CopySource: `${bucket}/${d.key}`,
            MetadataDirective: "COPY",
            TaggingDirective: "REPLACE",
            Tagging: new URLSearchParams(tags).toString(),
          }),
        );
      } else {
        // Resuming after a crash between copy and tag: make sure the tags are there.
        await deps.s3.send(
          new PutObjectTaggingCommand({
            Bucket: bucket,
            Key: finalKey,
            Tagging: { TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
          }),
        );
      }

      const dayKey = await recordInIndexes(deps.s3, bucket, indexEntryOf(d, finalKey));
      await deps.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: d.key }));

      await deps.events.publish({
        detailType: DetailType.ReportOrganized,
        detail: {
          schemaVersion: SCHEMA_VERSION,
          eventId: eventIdFor(d.jobId, DetailType.ReportOrganized),
          jobId: d.jobId,
          reportType: d.reportType,
          ...(d.correlationId ? { correlationId: d.correlationId } : {}),
          bucket,
          finalKey,
          tags,
          indexKey: dayKey,
          category,
          format: d.format,
          sizeBytes: d.sizeBytes,
          sha256: d.sha256,
          rowCount: d.rowCount,
          generatedAt: d.generatedAt,
          ...(d.delivery ? { delivery: d.delivery } : {}),
        },
      });
      log.info("report organized", { finalKey, indexKey: dayKey });
    },
  };
}

/** The organizer as the consumer host builds it. */
export const organizerConsumer: ConsumerFactory = {
  id: "organizer",
  create: async ({ clients, bucket, events }) => createOrganizer({ s3: clients.s3, bucket, events }),
};
