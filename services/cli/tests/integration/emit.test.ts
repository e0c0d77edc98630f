/**
 * `reports emit` against LocalStack: a subscriber's rule, made with the parameters a team gives the
 * `ReportEventSubscription` component (its filter, turned into a pattern by the package's
 * reportEventPattern, as the component does), receives exactly the sample events that match and none
 * that do not. A second, catch-all rule sees every emitted event, so "none" is checked after all of them
 * were delivered, not after an arbitrary wait.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_DETAIL_TYPES, DetailType } from "#events/names.js";
import { exampleReportEvent } from "#events/report-events.schema.js";
import type { ReportEventSubscriptionArgs } from "#infra/components/report-event-subscription.js";
import { createTestTopology, EventTap, type TestTopology } from "#localstack/testing.js";
import { type CliContext, processContext } from "../../context.js";
import { openEventTap } from "../../event-tap.js";
import { run } from "../../main.js";

/** What a subscribing team passes to ReportEventSubscription: sales reports generated or failed. */
const SUBSCRIPTION = {
  filter: { detailTypes: [DetailType.ReportGenerated, DetailType.ReportFailed], reportTypes: ["sales"] },
} satisfies Pick<ReportEventSubscriptionArgs, "filter">;

describe("reports emit on LocalStack", () => {
  let t: TestTopology;
  let dir: string;
  let subscriber: Awaited<ReturnType<typeof openEventTap>>;
  let everything: Awaited<ReturnType<typeof openEventTap>>;
  let subscriberEvents: EventTap;
  let allEvents: EventTap;
  const controller = new AbortController();

  /** The CLI in-process, with the process's real AWS clients and a captured stdout. */
  async function reports(args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const base = processContext(controller.signal);
    const ctx: CliContext = { ...base, out: (l) => out.push(l), err: (l) => err.push(l) };
    try {
      const code = await run([...args, "--prefix", t.provisioned.topology.prefix], ctx);
      return { code, out, err: err.join("\n") };
    } finally {
      base.dispose();
    }
  }

  beforeAll(async () => {
    t = await createTestTopology();
    dir = mkdtempSync(join(tmpdir(), "rp-emit-"));
    const busName = t.provisioned.busName;
    const prefix = t.provisioned.topology.prefix;
    subscriber = await openEventTap(t.clients, {
      busName,
      namePrefix: `${prefix}-sub`,
      filter: SUBSCRIPTION.filter,
    });
    everything = await openEventTap(t.clients, { busName, namePrefix: `${prefix}-all` });
    subscriberEvents = new EventTap(t.clients, subscriber.queueUrl);
    allEvents = new EventTap(t.clients, everything.queueUrl);
  });

  afterAll(async () => {
    await subscriberEvents?.stop();
    await allEvents?.stop();
    await subscriber?.close();
    await everything?.close();
    await t?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("the subscription's rule receives exactly the emitted events that match its filter", async () => {
    const jobId = `EMIT_${t.provisioned.topology.prefix.replaceAll("-", "_")}`;
    const sent: { detailType: string; eventId: string; jobId: string | null }[] = [];
    for (const dt of ALL_DETAIL_TYPES) {
      const r = await reports(["emit", dt, "--job-id", jobId]);
      expect(r.code, r.err).toBe(0);
      sent.push(JSON.parse(r.out[0] ?? "{}"));
    }
    // the same event for another report type: matches the detail-type, not the report type
    const customers = {
      ...exampleReportEvent("ReportGenerated", { jobId: `${jobId}_C` }),
      reportType: "customer_analysis",
    };
    writeFileSync(join(dir, "customers.json"), JSON.stringify(customers));
    const fromFile = await reports(["emit", "ReportGenerated", "--from-file", join(dir, "customers.json")]);
    expect(fromFile.code, fromFile.err).toBe(0);
    sent.push(JSON.parse(fromFile.out[0] ?? "{}"));

    expect(sent.map((s) => s.detailType)).toEqual([...ALL_DETAIL_TYPES, "ReportGenerated"]);
    await allEvents.waitFor((events) => events.length >= sent.length, `all ${sent.length} emitted events`);
    expect(allEvents.events.map((e) => e.detail.eventId).sort()).toEqual(sent.map((s) => s.eventId).sort());

    const expected = sent.filter(
      (s) => (s.detailType === "ReportGenerated" || s.detailType === "ReportFailed") && s.jobId === jobId,
    );
    expect(expected).toHaveLength(2);
    await subscriberEvents.waitFor((events) => events.length >= expected.length, "the matching events");
    await new Promise((r) => setTimeout(r, 1500)); // one more poll round: a late non-matching one would show
    expect(
      subscriberEvents.events
        .map((e) => ({ detailType: e.detailType, eventId: e.detail.eventId }))
        .sort((a, b) => a.detailType.localeCompare(b.detailType)),
    ).toEqual(
      expected
        .map((s) => ({ detailType: s.detailType, eventId: s.eventId }))
        .sort((a, b) => a.detailType.localeCompare(b.detailType)),
    );
  });

  it("refuses to emit to a non-local endpoint without --force, naming the flag", async () => {
    const r = await reports([
      "emit",
      "ReportGenerated",
      "--endpoint-url",
      "https://events.eu-west-1.amazonaws.com",
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /--endpoint-url: "https:\/\/events\.eu-west-1\.amazonaws\.com" is not a local endpoint/,
    );
  });
});
