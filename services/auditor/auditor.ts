/**
 * Auditor: every pipeline event → one immutable audit object, addressable by job (status is one prefix
 * listing) and by date (analytics; the Snowflake external table `raw.audit_events` reads `audit/dt=…/`).
 * Writes are conditional (`If-None-Match: *`) and run under the ledger, so a duplicate is a no-op.
 */
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { isAwsPreconditionFailed } from "#events/aws-errors.js";
import { ALL_DETAIL_TYPES } from "#events/names.js";
import {
  AUDIT_UNATTRIBUTED_PREFIX,
  auditDatePrefix,
  auditFileName,
  auditJobPrefix,
} from "#events/s3-layout.js";
import type { ConsumerDefinition, ReportEventEnvelope } from "#services/consumers/event-consumer.js";
import type { ConsumerFactory } from "#services/consumers/run-consumers.js";

/** The audit record: the event as it was on the bus. */
export interface AuditRecord {
  id: string;
  time: string;
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
}

export function auditKeys(event: ReportEventEnvelope): { byJob: string; byDate: string } {
  const detail = event.detail as { eventId: string; jobId?: string };
  const name = auditFileName(event.time, event.detailType, detail.eventId);
  return {
    byJob: `${detail.jobId ? auditJobPrefix(detail.jobId) : AUDIT_UNATTRIBUTED_PREFIX}${name}`,
    byDate: `${auditDatePrefix(new Date(event.time).toISOString().slice(0, 10))}${name}`,
  };
}

async function putOnce(
  s3: S3Client,
  bucket: string,
  key: string,
  body: string,
): Promise<"written" | "existed"> {
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentType: "application/json",
        IfNoneMatch: "*",
      }),
    );
    return "written";
  } catch (error) {
    if (isAwsPreconditionFailed(error)) return "existed";
    throw error;
  }
}

export function createAuditor(deps: { s3: S3Client; bucket: string }): ConsumerDefinition {
  return {
    id: "auditor",
    accepts: ALL_DETAIL_TYPES,
    useLedger: true,
    async handle(event, log) {
      const record: AuditRecord = {
        id: event.id,
        time: event.time,
        source: event.source,
        detailType: event.detailType,
        detail: event.detail as Record<string, unknown>,
      };
      const body = `${JSON.stringify(record)}\n`;
      const { byJob, byDate } = auditKeys(event);
      const results = await Promise.all([
        putOnce(deps.s3, deps.bucket, byJob, body),
        putOnce(deps.s3, deps.bucket, byDate, body),
      ]);
      log.info("event audited", { key: byJob, written: results });
    },
  };
}

/** The auditor as the consumer host builds it. */
export const auditorConsumer: ConsumerFactory = {
  id: "auditor",
  create: async ({ clients, bucket }) => createAuditor({ s3: clients.s3, bucket }),
};
