import type { EventBridgeClient, PutEventsCommand, PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import { describe, expect, it } from "vitest";
import { EventPublishError, ValidationError } from "#events/errors.js";
import {
  ENTRY_TOO_LARGE,
  entrySize,
  PUT_EVENTS_MAX_BYTES,
  planBatches,
  ReportEventPublisher,
} from "#events/event-publisher.js";
import { aGenerated } from "../fixtures/builders.js";

type Reply = (entries: PutEventsRequestEntry[], call: number) => { EventId?: string; ErrorCode?: string }[];

/** An EventBridge stand-in for unit tests only (integration tests use LocalStack): records calls, answers per entry. */
function fakeEvents(reply: Reply) {
  const calls: PutEventsRequestEntry[][] = [];
  const client = {
    async send(command: PutEventsCommand) {
      const entries = command.input.Entries ?? [];
      calls.push(entries);
      const results = reply(entries, calls.length);
      return { Entries: results, FailedEntryCount: results.filter((r) => r.ErrorCode).length };
    },
  } as unknown as EventBridgeClient;
  return { client, calls };
}

const ok = (entries: PutEventsRequestEntry[]) => entries.map((_, i) => ({ EventId: `aws-${i}` }));
const generatedEvent = (jobId: string) => ({
  detailType: "ReportGenerated" as const,
  detail: aGenerated(jobId),
});

describe("planBatches", () => {
  it("caps batches at 10 entries and under 256 KB, and sets aside entries too large to send", () => {
    const sizes = [...Array(23).fill(100), PUT_EVENTS_MAX_BYTES, 100_000, 100_000, 100_000];

    const { batches, tooLarge } = planBatches(sizes);

    expect(batches.map((b) => b.length)).toEqual([10, 10, 5, 1]);
    expect(tooLarge).toEqual([23]);
    for (const b of batches)
      expect(b.reduce((n, i) => n + (sizes[i] ?? 0), 0)).toBeLessThan(PUT_EVENTS_MAX_BYTES);
  });

  it("counts entry bytes as EventBridge does", () => {
    expect(
      entrySize({ Source: "ab", DetailType: "é", Detail: "{}", Time: new Date(), Resources: ["r"] }),
    ).toBe(14 + 2 + 2 + 2 + 1);
  });
});

describe("ReportEventPublisher", () => {
  it("validates every detail first: one invalid event, nothing sent, the field named", async () => {
    const { client, calls } = fakeEvents(ok);
    const publisher = new ReportEventPublisher(client, { busName: "bus" });
    const bad = { detailType: "ReportGenerated" as const, detail: { ...aGenerated("J2"), sha256: "nope" } };

    const error = await publisher.publishAll([generatedEvent("J1"), bad]).catch((e) => e);

    expect(error).toBeInstanceOf(ValidationError);
    expect(error.fields).toEqual(["events[1].sha256"]);
    expect(calls).toHaveLength(0);
  });

  it("sends 25 events in 3 requests with source, detail-type and bus set", async () => {
    const { client, calls } = fakeEvents(ok);
    const publisher = new ReportEventPublisher(client, { busName: "bus" });

    const published = await publisher.publishAll(
      Array.from({ length: 25 }, (_, i) => generatedEvent(`J${i}`)),
    );

    expect(calls.map((c) => c.length)).toEqual([10, 10, 5]);
    expect(published.map((p) => p.index)).toEqual([...Array(25).keys()]);
    expect(calls[0]?.[0]).toMatchObject({
      EventBusName: "bus",
      Source: "report-pipeline.reports",
      DetailType: "ReportGenerated",
    });
  });

  it("resends only the failed entries until they succeed", async () => {
    const { client, calls } = fakeEvents((entries, call) =>
      entries.map((e, i) =>
        call === 1 && JSON.parse(e.Detail ?? "{}").jobId === "J1"
          ? { ErrorCode: "ThrottlingException" }
          : { EventId: `aws-${call}-${i}` },
      ),
    );
    const publisher = new ReportEventPublisher(client, { busName: "bus", baseDelayMs: 1 });

    const published = await publisher.publishAll([
      generatedEvent("J0"),
      generatedEvent("J1"),
      generatedEvent("J2"),
    ]);

    expect(calls.map((c) => c.map((e) => JSON.parse(e.Detail ?? "{}").jobId))).toEqual([
      ["J0", "J1", "J2"],
      ["J1"],
    ]);
    expect(published.map((p) => p.attempts)).toEqual([1, 2, 1]);
  });

  it("gives up after maxAttempts with an EventPublishError listing the failed entry", async () => {
    const { client, calls } = fakeEvents((entries) =>
      entries.map((e) =>
        JSON.parse(e.Detail ?? "{}").jobId === "J1" ? { ErrorCode: "InternalFailure" } : { EventId: "x" },
      ),
    );
    const publisher = new ReportEventPublisher(client, { busName: "bus", maxAttempts: 3, baseDelayMs: 1 });

    const error = await publisher.publishAll([generatedEvent("J0"), generatedEvent("J1")]).catch((e) => e);

    expect(error).toBeInstanceOf(EventPublishError);
    expect(error).toMatchObject({ code: "EVENT_PUBLISH_FAILED", retryable: true, publishedCount: 1 });
    expect(error.failed).toEqual([
      expect.objectContaining({ index: 1, jobId: "J1", errorCode: "InternalFailure", attempts: 3 }),
    ]);
    expect(calls).toHaveLength(3);
  });

  it("does not resend an entry the role may not put (an IAM detail-type condition refused it)", async () => {
    const { client, calls } = fakeEvents((entries) =>
      entries.map(() => ({ ErrorCode: "NotAuthorizedForDetailTypeException" })),
    );
    const publisher = new ReportEventPublisher(client, { busName: "bus", maxAttempts: 4, baseDelayMs: 1 });

    const error = await publisher.publish(generatedEvent("J0")).catch((e) => e);

    expect(error).toBeInstanceOf(EventPublishError);
    expect(error.failed).toEqual([
      expect.objectContaining({ errorCode: "NotAuthorizedForDetailTypeException", attempts: 1 }),
    ]);
    expect(calls).toHaveLength(1);
  });

  it("reports an entry too large to send without sending it, and publishes the rest", async () => {
    const { client, calls } = fakeEvents(ok);
    const publisher = new ReportEventPublisher(client, { busName: "bus" });
    // The contract bounds every detail field (events/tests/unit/event-size.test.ts); resources are the
    // one part of an entry it does not describe.
    const huge = {
      detailType: "ReportGenerated" as const,
      detail: aGenerated("BIG"),
      resources: [`arn:aws:s3:::${"x".repeat(PUT_EVENTS_MAX_BYTES)}`],
    };

    const error = await publisher.publishAll([generatedEvent("J0"), huge]).catch((e) => e);

    expect(error).toBeInstanceOf(EventPublishError);
    expect(error.failed).toEqual([
      expect.objectContaining({ index: 1, errorCode: ENTRY_TOO_LARGE, attempts: 0 }),
    ]);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toHaveLength(1);
  });
});
