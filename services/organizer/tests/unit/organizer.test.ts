import { describe, expect, it } from "vitest";
import type { PublishableEvent } from "#events/event-publisher.js";
import { DetailType, EVENT_SOURCE } from "#events/names.js";
import { parseReportEvent, REPORT_GENERATED_EXAMPLE } from "#events/report-events.schema.js";
import type { ReportEventEnvelope } from "#services/consumers/event-consumer.js";
import type { IndexEntry } from "#services/reports/report-index.js";
import { createLogger } from "#services/shared/logger.js";
import { createOrganizer, GeneratedReportMissingError } from "../../organizer.js";
import type { OrganizerStore, ReportTags } from "../../organizer-store.port.js";

/** A bucket in memory that records what the organizer did to it. */
class MemoryStore implements OrganizerStore {
  readonly objects = new Map<string, { tags: ReportTags }>();
  readonly indexed: IndexEntry[] = [];
  readonly calls: string[] = [];
  async exists(_bucket: string, key: string) {
    return this.objects.has(key);
  }
  async copy(_bucket: string, from: string, to: string, tags: ReportTags) {
    if (!this.objects.has(from)) return false;
    this.calls.push(`copy ${from} -> ${to}`);
    this.objects.set(to, { tags });
    return true;
  }
  async tag(_bucket: string, key: string, tags: ReportTags) {
    this.calls.push(`tag ${key}`);
    this.objects.set(key, { tags });
  }
  async remove(_bucket: string, key: string) {
    this.calls.push(`remove ${key}`);
    this.objects.delete(key);
  }
  async recordInIndexes(_bucket: string, entry: IndexEntry) {
    this.calls.push(`index ${entry.key}`);
    this.indexed.push(entry);
    return `reports/_index/${entry.generatedAt.slice(0, 10)}.json`;
  }
}

const sink = () => {
  const published: PublishableEvent[] = [];
  return {
    published,
    publish: async (e: PublishableEvent) => {
      parseReportEvent(e.detailType, e.detail); // every emitted detail satisfies the contract
      published.push(e);
      return { index: 0, detailType: e.detailType, eventId: "e", awsEventId: "a", attempts: 1 };
    },
  };
};
const log = createLogger({ service: "test", write: () => {} });
const generated = {
  id: "evt-g",
  time: "2025-08-03T15:46:11Z",
  source: EVENT_SOURCE,
  detailType: DetailType.ReportGenerated,
  detail: REPORT_GENERATED_EXAMPLE,
} as ReportEventEnvelope;
const FINAL = "reports/sales/WORKFLOW_SALES_001_sales_20250803_154608.json";
const TAGS = { reportType: "sales", jobId: "WORKFLOW_SALES_001", format: "json", category: "sales" };

describe("organizer", () => {
  it("copies to the canonical key with tags, indexes it, removes the generated copy, then emits ReportOrganized", async () => {
    const store = new MemoryStore();
    store.objects.set(REPORT_GENERATED_EXAMPLE.key, { tags: {} });
    const events = sink();

    await createOrganizer({ store, events }).handle(generated, log);

    expect(store.calls).toEqual([
      `copy ${REPORT_GENERATED_EXAMPLE.key} -> ${FINAL}`,
      `index ${FINAL}`,
      `remove ${REPORT_GENERATED_EXAMPLE.key}`,
    ]);
    expect(store.objects.get(FINAL)?.tags).toEqual(TAGS);
    expect(store.indexed[0]).toMatchObject({ key: FINAL, jobId: "WORKFLOW_SALES_001", category: "sales" });
    expect(events.published.map((e) => e.detailType)).toEqual([DetailType.ReportOrganized]);
    expect(events.published[0]?.detail).toMatchObject({
      finalKey: FINAL,
      indexKey: "reports/_index/2025-08-03.json",
      tags: TAGS,
    });
  });

  it("resuming after a crash between copy and tag: no second copy, tags made sure, the rest as usual", async () => {
    const store = new MemoryStore();
    store.objects.set(FINAL, { tags: {} });
    const events = sink();

    await createOrganizer({ store, events }).handle(generated, log);

    expect(store.calls).toEqual([`tag ${FINAL}`, `index ${FINAL}`, `remove ${REPORT_GENERATED_EXAMPLE.key}`]);
    expect(events.published).toHaveLength(1);
  });

  it("resuming after a crash between copy and remove: copies again (same bytes, same tags) and goes on", async () => {
    const store = new MemoryStore();
    store.objects.set(REPORT_GENERATED_EXAMPLE.key, { tags: {} });
    store.objects.set(FINAL, { tags: TAGS });
    const events = sink();

    await createOrganizer({ store, events }).handle(generated, log);

    expect(store.calls).toEqual([
      `copy ${REPORT_GENERATED_EXAMPLE.key} -> ${FINAL}`,
      `index ${FINAL}`,
      `remove ${REPORT_GENERATED_EXAMPLE.key}`,
    ]);
    expect(store.objects.has(REPORT_GENERATED_EXAMPLE.key)).toBe(false);
    expect(events.published).toHaveLength(1);
  });

  it("fails (not retryable) when neither the generated report nor its organized copy exists, emitting nothing", async () => {
    const store = new MemoryStore();
    const events = sink();

    const error = await createOrganizer({ store, events })
      .handle(generated, log)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(GeneratedReportMissingError);
    expect((error as GeneratedReportMissingError).retryable).toBe(false);
    expect(store.calls).toEqual([]);
    expect(events.published).toEqual([]);
  });

  it("acts on ReportGenerated only", () => {
    expect(createOrganizer({ store: new MemoryStore(), events: sink() }).accepts).toEqual([
      DetailType.ReportGenerated,
    ]);
  });
});
