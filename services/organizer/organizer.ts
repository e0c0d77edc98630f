/**
 * Organizer (on ReportGenerated): copies the report from `generated/` to its canonical key
 * `reports/<category>/<file>`, tags it, folds it into the day's index manifest and the category's
 * `latest.json` (optimistic concurrency, nothing lost when reports finish together), removes the
 * `generated/` copy and emits ReportOrganized. Every step is idempotent, so reprocessing the same event
 * (or resuming after a crash half-way) changes nothing. The bucket is behind a port (OrganizerStore; S3
 * adapter: s3-organizer-store.ts), so these decisions import no AWS SDK.
 */
import { PipelineError } from "#events/errors.js";
import { DetailType, SCHEMA_VERSION } from "#events/names.js";
import { eventIdFor } from "#events/report-events.schema.js";
import { CATEGORY_OF, organizedKeyFor } from "#events/s3-layout.js";
import type { ConsumerDefinition } from "#services/consumers/event-consumer.js";
import { indexEntryOf } from "#services/reports/report-index.js";
import type { EventSink } from "#services/shared/event-sink.js";
import type { OrganizerStore } from "./organizer-store.port.js";

export class GeneratedReportMissingError extends PipelineError {
  readonly code = "GENERATED_REPORT_MISSING";
  readonly retryable = false;
}

export function createOrganizer(deps: { store: OrganizerStore; events: EventSink }): ConsumerDefinition {
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

      // The common case first: one CopyObject. Only when the generated copy is gone (a crash after it was
      // removed, or a redelivery) is the organized copy looked for; its tags are made sure.
      if (!(await deps.store.copy(bucket, d.key, finalKey, tags))) {
        if (!(await deps.store.exists(bucket, finalKey))) {
          throw new GeneratedReportMissingError(`neither ${d.key} nor ${finalKey} exists in ${bucket}`);
        }
        await deps.store.tag(bucket, finalKey, tags);
      }

      const dayKey = await deps.store.recordInIndexes(bucket, indexEntryOf(d, finalKey));
      // Both are idempotent and independent once the report is indexed: a failure of either retries all.
      await Promise.all([
        deps.store.remove(bucket, d.key),
        deps.events.publish({
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
        }),
      ]);
      log.info("report organized", { finalKey, indexKey: dayKey });
    },
  };
}
