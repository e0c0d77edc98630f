/**
 * Auditor: every pipeline event → one immutable audit object, addressable by job (status is one prefix
 * listing) and by date (analytics; the Snowflake external table `raw.audit_events` reads `audit/dt=…/`).
 * Writes go to an AuditStore (port; S3 adapter: `s3-audit-store.ts`, conditional `If-None-Match: *`) and
 * run under the ledger, so a duplicate is a no-op. The decisions here import no AWS SDK.
 */
import { ALL_DETAIL_TYPES } from "#events/names.js";
import {
  AUDIT_UNATTRIBUTED_PREFIX,
  auditDatePrefix,
  auditFileName,
  auditJobPrefix,
} from "#events/s3-layout.js";
import type { ConsumerDefinition, ReportEventEnvelope } from "#services/consumers/event-consumer.js";
import type { AuditStore } from "./audit-store.port.js";

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

export function createAuditor(deps: { store: AuditStore }): ConsumerDefinition {
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
      const results = await Promise.all([deps.store.putOnce(byJob, body), deps.store.putOnce(byDate, body)]);
      log.info("event audited", { key: byJob, written: results });
    },
  };
}
