import { EventBridgeClient, PutEventsCommand, type PutEventsCommandInput } from "@aws-sdk/client-eventbridge";
import type { Message } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventPublishError } from "#events/errors.js";
import { ENTRY_TOO_LARGE, PUT_EVENTS_MAX_BYTES, ReportEventPublisher } from "#events/event-publisher.js";
import { EVENT_SOURCE } from "#events/names.js";
import { submitReportJob, submitReportJobs } from "#events/submit-report-job.js";
import { collectMessages, createTestTopology, eventOf, type TestTopology } from "#localstack/testing.js";
import { aGenerated, aJob } from "../fixtures/builders.js";

const jobIdOf = (m: Message) => JSON.parse(m.Body ?? "{}").jobId as string;
const eventJobIdOf = (m: Message) => eventOf(m).detail.jobId as string;

describe("typed clients on LocalStack", () => {
  let t: TestTopology;

  beforeAll(async () => {
    t = await createTestTopology();
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("a job submitted with submitReportJob is received intact, with its message attributes", async () => {
    const draft = aJob({ format: "csv", requestedBy: undefined, requestedAt: undefined });

    const { messageId, job } = await submitReportJob(t.clients.sqs, t.provisioned.jobs.queueUrl, draft, {
      requestedBy: "integration-test",
    });

    const [received] = await collectMessages(t.clients, t.provisioned.jobs.queueUrl, {
      until: (ms) => ms.some((m) => m.MessageId === messageId),
      visibilityTimeout: 30,
    }).then((ms) => ms.filter((m) => m.MessageId === messageId));
    expect(received, "job never arrived").toBeDefined();
    expect(JSON.parse(received?.Body ?? "{}")).toEqual(job);
    expect(job).toMatchObject({ jobId: draft.jobId, format: "csv", requestedBy: "integration-test" });
    expect(received?.MessageAttributes?.reportType?.StringValue).toBe("sales");
    expect(received?.MessageAttributes?.schemaVersion?.StringValue).toBe("1");
  });

  it("a batch of 25 jobs arrives complete", async () => {
    const batch = Array.from({ length: 25 }, (_, i) => aJob({ jobId: `BATCH25_${i}_${Date.now()}` }));
    const wanted = new Set(batch.map((j) => j.jobId));

    const result = await submitReportJobs(t.clients.sqs, t.provisioned.jobs.queueUrl, batch);

    expect(result).toMatchObject({ sent: 25, failed: 0 });
    const received = await collectMessages(t.clients, t.provisioned.jobs.queueUrl, {
      until: (ms) => ms.filter((m) => wanted.has(jobIdOf(m))).length >= 25,
      visibilityTimeout: 30,
      timeoutMs: 20_000,
    });
    const ids = received.map(jobIdOf).filter((id) => wanted.has(id));
    expect(ids.sort()).toEqual([...wanted].sort());
    expect(new Set(result.results.map((r) => (r.status === "sent" ? r.messageId : "")))).toEqual(
      new Set(received.filter((m) => wanted.has(jobIdOf(m))).map((m) => m.MessageId)),
    );
  });

  it("an event published with the publisher arrives on the queue its rule targets", async () => {
    const publisher = new ReportEventPublisher(t.clients.events, { busName: t.provisioned.busName });
    const detail = aGenerated(`PUB_${Date.now()}`);

    const published = await publisher.publish({ detailType: "ReportGenerated", detail });

    const messages = await collectMessages(t.clients, t.provisioned.consumers.organizer.queueUrl, {
      until: (ms) => ms.some((m) => eventJobIdOf(m) === detail.jobId),
      visibilityTimeout: 30,
    });
    const event = messages.map(eventOf).find((e) => e.detail.jobId === detail.jobId);
    expect(event, "event never reached the organizer queue").toBeDefined();
    expect(event).toMatchObject({ source: EVENT_SOURCE, "detail-type": "ReportGenerated", detail });
    expect((event as { id?: string }).id).toBe(published.awsEventId);
  });

  it("an entry over the size limit is reported failed without blocking the rest", async () => {
    // LocalStack (like AWS) refuses a whole PutEvents request that holds an oversized entry, which is why
    // the publisher sets such an entry aside instead of sending it with the others.
    const oversized = JSON.stringify({ blob: "x".repeat(PUT_EVENTS_MAX_BYTES) });
    const raw = await t.clients.events
      .send(
        new PutEventsCommand({
          Entries: [
            { EventBusName: t.provisioned.busName, Source: EVENT_SOURCE, DetailType: "X", Detail: oversized },
          ],
        }),
      )
      .catch((e: Error) => e);
    expect(raw).toBeInstanceOf(Error);
    const publisher = new ReportEventPublisher(t.clients.events, { busName: t.provisioned.busName });
    const stamp = Date.now();
    const small = [0, 1, 2].map((i) => aGenerated(`SMALL_${i}_${stamp}`));
    // Every detail field is bounded by the contract (events/tests/unit/event-size.test.ts); an entry's
    // resources are the one part it does not describe, so they make the oversized entry.
    const huge = aGenerated(`HUGE_${stamp}`);
    const hugeResources = [`arn:aws:s3:::${"x".repeat(PUT_EVENTS_MAX_BYTES)}`];

    const error = await publisher
      .publishAll(
        [small[0], huge, small[1], small[2]].map((detail) => ({
          detailType: "ReportGenerated" as const,
          detail: detail as typeof huge,
          ...(detail === huge ? { resources: hugeResources } : {}),
        })),
      )
      .catch((e) => e);

    expect(error).toBeInstanceOf(EventPublishError);
    expect(error.publishedCount).toBe(3);
    expect(error.failed).toEqual([
      expect.objectContaining({ index: 1, jobId: huge.jobId, errorCode: ENTRY_TOO_LARGE }),
    ]);
    const wanted = new Set(small.map((d) => d.jobId));
    const arrived = await collectMessages(t.clients, t.provisioned.consumers.auditor.queueUrl, {
      until: (ms) => ms.filter((m) => wanted.has(eventJobIdOf(m))).length >= 3,
      visibilityTimeout: 30,
    });
    expect(
      arrived
        .map(eventJobIdOf)
        .filter((id) => wanted.has(id))
        .sort(),
    ).toEqual([...wanted].sort());
  });

  describe("per-entry failures reported by LocalStack", () => {
    /**
     * A real EventBridge client whose request is altered on its way out: the detail of the entries picked
     * by `corrupt` is replaced by malformed JSON, so LocalStack itself answers with a per-entry
     * `MalformedDetail` failure in an otherwise successful PutEvents (LocalStack produces per-entry
     * failures only for malformed entries, and the publisher never builds one on its own).
     */
    function faultyClient(corrupt: (jobId: string, call: number) => boolean) {
      const client = new EventBridgeClient({ region: process.env.AWS_REGION ?? "us-east-1" });
      let call = 0;
      client.middlewareStack.add(
        (next) => async (args) => {
          const input = args.input as PutEventsCommandInput;
          call += 1;
          const Entries = (input.Entries ?? []).map((e) =>
            corrupt(JSON.parse(e.Detail ?? "{}").jobId, call) ? { ...e, Detail: "{not json" } : e,
          );
          return next({ ...args, input: { ...input, Entries } });
        },
        { step: "initialize", name: "corruptSomeEntries" },
      );
      return client;
    }

    it("a failed entry is retried alone and then delivered once", async () => {
      const stamp = Date.now();
      const details = [0, 1, 2].map((i) => aGenerated(`RETRY_${i}_${stamp}`));
      const flaky = details[1]?.jobId;
      const client = faultyClient((jobId, call) => jobId === flaky && call === 1);
      const publisher = new ReportEventPublisher(client, { busName: t.provisioned.busName, baseDelayMs: 20 });

      const published = await publisher.publishAll(
        details.map((detail) => ({ detailType: "ReportGenerated" as const, detail })),
      );
      client.destroy();

      expect(published.map((p) => p.attempts)).toEqual([1, 2, 1]);
      const wanted = new Set(details.map((d) => d.jobId));
      const arrived = await collectMessages(t.clients, t.provisioned.consumers.organizer.queueUrl, {
        until: (ms) => ms.filter((m) => wanted.has(eventJobIdOf(m))).length >= 3,
        visibilityTimeout: 30,
      });
      // A second pass picks up a duplicate, had the retry resent an entry that had already succeeded.
      const more = await collectMessages(t.clients, t.provisioned.consumers.organizer.queueUrl, {
        until: () => true,
        visibilityTimeout: 30,
      });
      const ids = [...arrived, ...more].map(eventJobIdOf).filter((id) => wanted.has(id));
      expect(ids.sort()).toEqual([...wanted].sort());
    });

    it("an entry that keeps failing is surfaced as EventPublishError after maxAttempts", async () => {
      const stamp = Date.now();
      const details = [0, 1].map((i) => aGenerated(`DOOMED_${i}_${stamp}`));
      const doomed = details[0]?.jobId;
      const client = faultyClient((jobId) => jobId === doomed);
      const publisher = new ReportEventPublisher(client, {
        busName: t.provisioned.busName,
        maxAttempts: 3,
        baseDelayMs: 20,
      });

      const error = await publisher
        .publishAll(details.map((detail) => ({ detailType: "ReportGenerated" as const, detail })))
        .catch((e) => e);
      client.destroy();

      expect(error).toBeInstanceOf(EventPublishError);
      expect(error).toMatchObject({ code: "EVENT_PUBLISH_FAILED", retryable: true, publishedCount: 1 });
      expect(error.failed).toEqual([
        expect.objectContaining({ index: 0, jobId: doomed, errorCode: "MalformedDetail", attempts: 3 }),
      ]);
    });
  });
});
