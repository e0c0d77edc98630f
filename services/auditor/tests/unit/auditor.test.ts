import { describe, expect, it } from "vitest";
import { ALL_DETAIL_TYPES, DetailType, EVENT_SOURCE } from "#events/names.js";
import { REPORT_EVENT_EXAMPLES } from "#events/report-events.schema.js";
import type { ReportEventEnvelope } from "#services/consumers/event-consumer.js";
import { createLogger } from "#services/shared/logger.js";
import type { AuditStore } from "../../audit-store.port.js";
import { auditKeys, createAuditor } from "../../auditor.js";

/** An audit store in memory with the S3 adapter's rule: the first write of a key wins. */
class MemoryAuditStore implements AuditStore {
  readonly objects = new Map<string, string>();
  async putOnce(key: string, body: string) {
    if (this.objects.has(key)) return "existed" as const;
    this.objects.set(key, body);
    return "written" as const;
  }
}

const log = createLogger({ service: "test", write: () => {} });

function envelope(
  detailType: DetailType,
  detail: object = REPORT_EVENT_EXAMPLES[detailType],
): ReportEventEnvelope {
  return {
    id: "evt-1",
    time: "2025-08-03T15:46:09Z",
    source: EVENT_SOURCE,
    detailType,
    detail,
  } as unknown as ReportEventEnvelope;
}

describe("auditor", () => {
  it("accepts every pipeline event and runs under the ledger", () => {
    const auditor = createAuditor({ store: new MemoryAuditStore() });

    expect(auditor.accepts).toEqual(ALL_DETAIL_TYPES);
    expect(auditor.useLedger).toBe(true);
  });

  it("writes the event as it was on the bus, once by job and once by date", async () => {
    const store = new MemoryAuditStore();
    const event = envelope(DetailType.ReportGenerated);

    await createAuditor({ store }).handle(event, log);

    const { byJob, byDate } = auditKeys(event);
    const jobId = (REPORT_EVENT_EXAMPLES.ReportGenerated as { jobId: string }).jobId;
    expect(byJob.startsWith(`audit/jobs/${jobId}/`)).toBe(true);
    expect(byDate.startsWith("audit/dt=2025-08-03/")).toBe(true);
    expect([...store.objects.keys()].sort()).toEqual([byDate, byJob].sort());
    expect(JSON.parse(store.objects.get(byJob) ?? "{}")).toEqual({
      id: "evt-1",
      time: "2025-08-03T15:46:09Z",
      source: EVENT_SOURCE,
      detailType: DetailType.ReportGenerated,
      detail: REPORT_EVENT_EXAMPLES.ReportGenerated,
    });
  });

  it("a redelivered event changes nothing (immutable, first writer wins)", async () => {
    const store = new MemoryAuditStore();
    const auditor = createAuditor({ store });
    const event = envelope(DetailType.ReportFailed);
    await auditor.handle(event, log);
    const before = new Map(store.objects);

    const changed = { ...event, detail: { ...event.detail, note: "changed" } };
    await auditor.handle(changed as unknown as ReportEventEnvelope, log);

    expect(store.objects).toEqual(before);
  });

  it("files an event without a jobId (a rejected non-job) under unattributed/", () => {
    const { jobId: _omit, ...detail } = REPORT_EVENT_EXAMPLES.ReportRejected as { jobId?: string };
    const { byJob } = auditKeys(envelope(DetailType.ReportRejected, detail));

    expect(byJob.startsWith("audit/unattributed/")).toBe(true);
  });
});
