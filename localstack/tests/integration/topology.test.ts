import { ListRulesCommand, ListTargetsByRuleCommand, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { GetQueueAttributesCommand, type Message, SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DetailType, EVENT_SOURCE } from "#events/names.js";
import { type ConsumerId, consumersOf } from "#events/topology.js";
import { provisionTopology } from "../../bootstrap.js";
import { collectMessages, createTestTopology, eventOf, type TestTopology } from "../../testing.js";

/** Puts one event on the test bus and returns its marker (a unique id carried in the detail). */
async function putEvent(t: TestTopology, detailType: string, source = EVENT_SOURCE): Promise<string> {
  const marker = `m-${Math.random().toString(36).slice(2)}`;
  const out = await t.clients.events.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: t.provisioned.busName,
          Source: source,
          DetailType: detailType,
          Detail: JSON.stringify({ marker }),
        },
      ],
    }),
  );
  expect(out.FailedEntryCount ?? 0).toBe(0);
  return marker;
}

const markerOf = (m: Message) => eventOf(m).detail.marker;

/**
 * Waits until `sentinel` (an event the queue must get, sent after the event under test) shows up on the
 * consumer's queue, then reports whether `marker` arrived too. This proves absence without a blind sleep.
 */
async function arrivedBefore(t: TestTopology, consumer: ConsumerId, marker: string, sentinel: string) {
  const queueUrl = t.provisioned.consumers[consumer].queueUrl;
  const messages = await collectMessages(t.clients, queueUrl, {
    until: (ms) => ms.some((m) => markerOf(m) === sentinel),
    timeoutMs: 10_000,
    visibilityTimeout: 30,
  });
  // One more pass drains anything that was in flight next to the sentinel.
  const rest = await collectMessages(t.clients, queueUrl, { until: () => true, visibilityTimeout: 30 });
  const markers = [...messages, ...rest].map(markerOf);
  expect(markers, `sentinel never reached ${consumer}`).toContain(sentinel);
  return markers.includes(marker);
}

describe("topology on LocalStack", () => {
  let t: TestTopology;

  beforeAll(async () => {
    t = await createTestTopology({ jobsMaxReceiveCount: 3 });
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("routes ReportGenerated to organize and audit, not to notify", async () => {
    const marker = await putEvent(t, DetailType.ReportGenerated);
    const notifySentinel = await putEvent(t, DetailType.ReportRejected);

    expect(await arrivedBefore(t, "organizer", marker, marker)).toBe(true);
    expect(await arrivedBefore(t, "auditor", marker, marker)).toBe(true);
    expect(await arrivedBefore(t, "notifier", marker, notifySentinel)).toBe(false);
  });

  it("routes ReportFailed to notify and audit only", async () => {
    const marker = await putEvent(t, DetailType.ReportFailed);
    const organizeSentinel = await putEvent(t, DetailType.ReportGenerated);

    expect(await arrivedBefore(t, "notifier", marker, marker)).toBe(true);
    expect(await arrivedBefore(t, "auditor", marker, marker)).toBe(true);
    expect(await arrivedBefore(t, "organizer", marker, organizeSentinel)).toBe(false);
  });

  it("delivers ReportOrganized and ReportRejected to notify", async () => {
    const organized = await putEvent(t, DetailType.ReportOrganized);
    const rejected = await putEvent(t, DetailType.ReportRejected);

    expect(await arrivedBefore(t, "notifier", organized, rejected)).toBe(true);
  });

  it("routes an event from another source to no consumer", async () => {
    const foreign = await putEvent(t, DetailType.ReportGenerated, "someone-else.reports");
    const generated = await putEvent(t, DetailType.ReportGenerated);
    const failed = await putEvent(t, DetailType.ReportFailed);

    expect(await arrivedBefore(t, "organizer", foreign, generated)).toBe(false);
    expect(await arrivedBefore(t, "auditor", foreign, failed)).toBe(false);
    expect(await arrivedBefore(t, "notifier", foreign, failed)).toBe(false);
  });

  it("moves a job received maxReceiveCount times without deletion to the jobs DLQ", async () => {
    const body = JSON.stringify({ probe: `dlq-${Date.now()}` });
    await t.clients.sqs.send(
      new SendMessageCommand({ QueueUrl: t.provisioned.jobs.queueUrl, MessageBody: body }),
    );

    // Receive with visibility 0 so each receive counts and the message is at once visible again.
    const received = await collectMessages(t.clients, t.provisioned.jobs.queueUrl, {
      until: (ms) => Number(ms[0]?.Attributes?.ApproximateReceiveCount ?? 0) >= 3,
      timeoutMs: 10_000,
      visibilityTimeout: 0,
    });
    expect(Number(received[0]?.Attributes?.ApproximateReceiveCount)).toBe(3);
    // The receive after the third is the one on which SQS applies the redrive policy.
    const after = await collectMessages(t.clients, t.provisioned.jobs.queueUrl, {
      until: () => true,
      visibilityTimeout: 0,
    });
    expect(after).toEqual([]);

    const dead = await collectMessages(t.clients, t.provisioned.jobs.dlqUrl, {
      until: (ms) => ms.some((m) => m.Body === body),
      timeoutMs: 10_000,
      visibilityTimeout: 30,
    });
    const moved = dead.find((m) => m.Body === body);
    expect(moved, "the message never reached the DLQ").toBeDefined();
    expect(Number(moved?.Attributes?.ApproximateReceiveCount)).toBeGreaterThanOrEqual(3);
  });

  it("is idempotent: provisioning again changes nothing", async () => {
    const snapshot = async () => {
      const rules = await t.clients.events.send(
        new ListRulesCommand({ EventBusName: t.provisioned.busName }),
      );
      const rulesWithTargets = await Promise.all(
        (rules.Rules ?? []).map(async (r) => {
          const targets = await t.clients.events.send(
            new ListTargetsByRuleCommand({ Rule: r.Name, EventBusName: t.provisioned.busName }),
          );
          return { name: r.Name, pattern: r.EventPattern, state: r.State, targets: targets.Targets };
        }),
      );
      const queueUrls = [t.provisioned.jobs, ...Object.values(t.provisioned.consumers)].flatMap((q) => [
        q.queueUrl,
        q.dlqUrl,
      ]);
      const queues = await Promise.all(
        queueUrls.map(async (url) => {
          const out = await t.clients.sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: url,
              AttributeNames: ["RedrivePolicy", "Policy", "VisibilityTimeout", "MessageRetentionPeriod"],
            }),
          );
          return { url, attributes: out.Attributes };
        }),
      );
      return { rules: rulesWithTargets.sort((a, b) => String(a.name).localeCompare(String(b.name))), queues };
    };

    const before = await snapshot();
    const again = await provisionTopology(t.clients, t.provisioned.topology);
    const after = await snapshot();

    expect(after).toEqual(before);
    expect(again.jobs).toEqual(t.provisioned.jobs);
    expect(again.consumers).toEqual(t.provisioned.consumers);
    const ours = new Set(consumersOf(t.provisioned.topology).map((c) => c.rule.name));
    expect(
      before.rules.filter((r) => ours.has(String(r.name))).map((r) => JSON.parse(r.pattern ?? "{}")),
    ).toEqual(
      consumersOf(t.provisioned.topology)
        .map((c) => ({ name: c.rule.name, pattern: c.rule.pattern }))
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((c) => c.pattern),
    );
  });
});
