import { describe, expect, it } from "vitest";
import { ALL_DETAIL_TYPES, DetailType, EVENT_SOURCE } from "#events/names.js";
import { REPORT_EVENT_SCHEMAS } from "#events/report-events.schema.js";
import { buildTopology, consumersOf } from "#events/topology.js";

describe("buildTopology", () => {
  it("names every resource with the prefix and gives every queue a DLQ", () => {
    const t = buildTopology({ prefix: "rp-dev" });

    const queues = [t.jobs, ...consumersOf(t)];

    expect(t.bus.name).toBe("rp-dev-report-events");
    for (const q of queues) {
      expect(q.queueName.startsWith("rp-dev-")).toBe(true);
      expect(q.dlqName).toBe(`${q.queueName}-dlq`);
      expect(q.maxReceiveCount).toBeGreaterThan(0);
      expect(q.dlqRetentionSeconds).toBeGreaterThan(q.retentionSeconds);
    }
  });

  it("feeds organize from ReportGenerated, notify from organized/failed/rejected, audit from everything", () => {
    const t = buildTopology();

    expect(t.consumers.organizer.rule.pattern).toEqual({
      source: [EVENT_SOURCE],
      "detail-type": [DetailType.ReportGenerated],
    });
    expect(t.consumers.notifier.rule.pattern).toEqual({
      source: [EVENT_SOURCE],
      "detail-type": [DetailType.ReportOrganized, DetailType.ReportFailed, DetailType.ReportRejected],
    });
    expect(t.consumers.auditor.rule.pattern).toEqual({ source: [EVENT_SOURCE] });
  });

  it("lists every event of the contract once, each with a schema, and routes only listed types", () => {
    // the list subscribers read in the docs: a new event must be added here, with its schema
    expect(ALL_DETAIL_TYPES).toEqual([
      "ReportStarted",
      "ReportGenerated",
      "ReportOrganized",
      "ReportFailed",
      "ReportRejected",
      "ReportNotified",
    ]);
    expect(Object.keys(REPORT_EVENT_SCHEMAS).sort()).toEqual([...ALL_DETAIL_TYPES].sort());
    const routed = consumersOf(buildTopology()).flatMap(
      (c) => (c.rule.pattern as { "detail-type"?: string[] })["detail-type"] ?? [],
    );
    expect(routed.filter((dt) => !(ALL_DETAIL_TYPES as readonly string[]).includes(dt))).toEqual([]);
  });

  it("rejects a prefix that would make an invalid queue name", () => {
    expect(() => buildTopology({ prefix: "../x" })).toThrow(/prefix/);
    expect(() => buildTopology({ prefix: "" })).toThrow(/prefix/);
  });

  it("takes receive counts from options", () => {
    const t = buildTopology({ jobsMaxReceiveCount: 3, consumerMaxReceiveCount: 7 });

    expect(t.jobs.maxReceiveCount).toBe(3);
    expect(t.consumers.auditor.maxReceiveCount).toBe(7);
  });
});
