/**
 * e2e, safety on the main path: the real worker and all three consumers on LocalStack.
 *  - Job identity: a job id is claimed by the first job that uses it; the same job again is a duplicate
 *    (one report), a different job under that id is a ReportRejected JOB_ID_CONFLICT that changes nothing
 *    of the first. The worker's S3 calls are counted: one claim request per receive; HEADs only when a duplicate looks for the report.
 *  - Webhooks cannot reach inside: a listener on 127.0.0.1 behind refused URLs receives no connection.
 *  - The largest valid job runs end to end: every one of its events fits on the bus.
 */

import type { AddressInfo } from "node:net";
import { createServer, type Server } from "node:net";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DetailType } from "#events/names.js";
import { CATEGORY_OF, indexKey, JOB_CLAIMS_PREFIX, jobClaimKey, reportKey } from "#events/s3-layout.js";
import { submitReportJob } from "#events/submit-report-job.js";
import { readConsumerConfig } from "#services/consumers/config.js";
import { type RunningConsumers, startConsumers } from "#services/consumers/run-consumers.js";
import { createLogger } from "#services/shared/logger.js";
import type { RunningWorker } from "#services/worker/main.js";
import { parseConsumerArgs } from "../../../localstack/consumers.js";
import { createBusTap, createTestTopology, type TestTopology } from "../../../localstack/testing.js";
import { objectVersions, readObject, salesJob, startTestWorker } from "./support.js";

type Tap = Awaited<ReturnType<typeof createBusTap>>;

describe("safety on the main path (worker and consumers on LocalStack)", () => {
  let t: TestTopology;
  let bucket: string;
  let tap: Tap;
  let worker: RunningWorker;
  let consumers: RunningConsumers;
  /** S3 calls the worker made, as "<command> <key>". */
  const s3Calls: string[] = [];

  beforeAll(async () => {
    t = await createTestTopology();
    bucket = t.provisioned.bucket;
    tap = await createBusTap(t);
    consumers = await startConsumers(
      parseConsumerArgs(["all"]),
      readConsumerConfig({
        ...process.env,
        REPORTS_PREFIX: t.provisioned.topology.prefix,
        POLL_WAIT_SECONDS: "1",
        RETRY_BASE_SECONDS: "1",
        // signed webhooks on, loopback not allowed (WEBHOOK_ALLOW_LOOPBACK unset): production's policy
        WEBHOOK_SIGNING_SECRET: "test-webhook-secret-0123456789",
      }),
      createLogger({ service: "e2e-identity", level: "warn" }),
    );
    worker = await startTestWorker(
      t.provisioned.topology.prefix,
      {},
      {
        instrument: (clients) =>
          clients.s3.middlewareStack.add(
            (next, context) => async (args) => {
              const input = args.input as { Key?: string };
              s3Calls.push(`${context.commandName} ${input.Key ?? ""}`);
              return next(args);
            },
            { step: "initialize", name: "countCalls" },
          ),
      },
    );
  });

  afterAll(async () => {
    await worker?.stop();
    await consumers?.stop();
    await tap?.dispose();
    await t?.dispose();
  });

  const send = (job: ReturnType<typeof salesJob>) =>
    submitReportJob(t.clients.sqs, t.provisioned.jobs.queueUrl, job as never);
  const text = async (key: string) =>
    (await t.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body?.transformToString();

  it("the same job three times: one report, one claim request per receive, HEADs only for the duplicates", async () => {
    const jobId = "E2E_ID_SAME";
    const job = salesJob(jobId);

    await send(job);
    await tap.waitFor(
      (e) => e.some((x) => x.detail.jobId === jobId && x.detailType === DetailType.ReportOrganized),
      "organized",
    );
    await send(job);
    await send(job);
    await tap.waitFor(
      (e) =>
        e.filter((x) => x.detail.jobId === jobId && x.detailType === DetailType.ReportGenerated).length >= 3,
      "three ReportGenerated",
    );

    const generated = tap.of(jobId, DetailType.ReportGenerated);
    expect(new Set(generated.map((g) => g.detail.eventId)).size).toBe(1);
    const versions = [
      ...(await objectVersions(t.clients, bucket, `generated/${jobId}/`)),
      ...(await objectVersions(t.clients, bucket, `reports/${CATEGORY_OF.sales}/${jobId}_`)),
    ];
    expect(versions.filter((v) => v.Key?.startsWith("reports/"))).toHaveLength(1);
    const ofJob = s3Calls.filter((c) => c.includes(jobId));
    // Claims are write-once: one conditional PUT per receive, none after the job is done.
    expect(ofJob.filter((c) => c === `PutObjectCommand ${jobClaimKey(jobId)}`).length).toBe(3);
    // A duplicate finds the report by HEAD (its generated key, else its final key): at most 2 each.
    const heads = ofJob.filter((c) => c.startsWith("HeadObjectCommand"));
    expect(heads.length).toBeGreaterThanOrEqual(2);
    expect(heads.length).toBeLessThanOrEqual(2 * 2);
    expect(tap.of(jobId, DetailType.ReportStarted)).toHaveLength(1);
  });

  it("a different job under a used id: ReportRejected JOB_ID_CONFLICT, the first job's report, index entry and notification unchanged", async () => {
    const jobId = "E2E_ID_TAKEN";
    const first = salesJob(jobId);
    await send(first);
    await tap.waitFor(
      (e) =>
        e.some(
          (x) =>
            x.detail.jobId === jobId &&
            x.detailType === DetailType.ReportNotified &&
            x.detail.forDetailType === DetailType.ReportOrganized,
        ),
      "first job notified",
    );
    const finalKey = reportKey({
      jobId,
      reportType: "sales",
      format: "json",
      requestedAt: String(first.requestedAt),
    });
    const before = {
      report: (await readObject(t.clients, bucket, finalKey)).toString(),
      index: await text(indexKey(String(tap.of(jobId, DetailType.ReportGenerated)[0]?.detail.generatedAt))),
      claim: await text(jobClaimKey(jobId)),
    };

    // Another job, same id: other parameters and a webhook of its own.
    await send(
      salesJob(jobId, {
        parameters: { from: "2025-06-01", to: "2025-06-30" },
        delivery: { webhookUrl: "https://hooks.example.com/squatter" },
      }),
    );
    await tap.waitFor(
      (e) => e.some((x) => x.detail.jobId === jobId && x.detailType === DetailType.ReportRejected),
      "conflict rejected",
    );

    const rejected = tap.of(jobId, DetailType.ReportRejected)[0]?.detail;
    expect(rejected).toMatchObject({ code: "JOB_ID_CONFLICT", jobId, issues: [{ field: "jobId" }] });
    expect(String(rejected?.reason)).toContain(jobId);
    expect((await readObject(t.clients, bucket, finalKey)).toString()).toBe(before.report);
    expect(await objectVersions(t.clients, bucket, finalKey)).toHaveLength(1);
    expect(
      await text(indexKey(String(tap.of(jobId, DetailType.ReportGenerated)[0]?.detail.generatedAt))),
    ).toBe(before.index);
    expect(await text(jobClaimKey(jobId))).toBe(before.claim);
    expect(tap.of(jobId, DetailType.ReportGenerated)).toHaveLength(1);
    expect(tap.of(jobId, DetailType.ReportStarted)).toHaveLength(1);
    const receipts = tap
      .of(jobId, DetailType.ReportNotified)
      .filter((r) => r.detail.forDetailType === DetailType.ReportOrganized);
    expect(receipts).toHaveLength(1);
    expect(s3Calls.some((c) => c.startsWith("PutObjectCommand") && c.includes(JOB_CLAIMS_PREFIX))).toBe(true);
  });

  it("webhooks to loopback, however written, are refused: the listener behind them gets no connection", async () => {
    let connections = 0;
    const listener: Server = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    const port = (listener.address() as AddressInfo).port;
    try {
      const urls = [
        `https://127.0.0.1:${port}/hook`,
        `https://[::ffff:7f00:1]:${port}/hook`,
        `https://0x7f000001:${port}/hook`,
        `https://2130706433:${port}/hook`,
        `https://localhost:${port}/hook`,
      ];
      const jobIds = urls.map((_, i) => `E2E_SSRF_${i}`);
      for (const [i, url] of urls.entries()) {
        await send(salesJob(jobIds[i] as string, { delivery: { webhookUrl: url } }));
      }
      await tap.waitFor(
        (e) =>
          jobIds.every((id) =>
            e.some((x) => x.detail.jobId === id && x.detailType === DetailType.ReportNotified),
          ),
        "a receipt for every job",
      );

      for (const id of jobIds) {
        const receipt = tap.of(id, DetailType.ReportNotified)[0]?.detail as {
          channels: { channel: string; outcome: string; detail?: string }[];
        };
        const webhook = receipt.channels.find((c) => c.channel === "webhook");
        expect(webhook, id).toMatchObject({ outcome: "failed", detail: expect.stringMatching(/^refused: /) });
        expect(webhook?.detail).not.toMatch(/127|loopback|::1/);
      }
      expect(connections).toBe(0);
    } finally {
      await new Promise((resolve) => listener.close(resolve));
    }
  });

  it("the largest valid job runs end to end: generated, organized and notified, every event on the bus", async () => {
    const jobId = "L".repeat(128);
    const wide = (n: number) => "\u{1D518}".repeat(50).slice(0, 100) + String(n); // 4-byte characters
    const largest = salesJob(jobId, {
      parameters: {
        from: "2025-07-01",
        to: "2025-07-31",
        granularity: "day",
        limit: 10_000,
        regions: Array.from({ length: 50 }, (_, i) => wide(i).slice(0, 100)),
        categories: Array.from({ length: 50 }, (_, i) => wide(i + 50).slice(0, 100)),
      },
      requestedBy: "\u0001".repeat(256),
      correlationId: "\u0001".repeat(256),
      delivery: {
        webhookUrl: `https://hooks.example.com/${"a".repeat(2048 - "https://hooks.example.com/".length)}`,
        notifyOn: "always",
        skipEmpty: false,
      },
    });
    const body = JSON.stringify(largest);
    expect(body.length).toBeGreaterThan(15_000);

    await send(largest);
    await tap.waitFor(
      (e) => e.some((x) => x.detail.jobId === jobId && x.detailType === DetailType.ReportNotified),
      "largest job notified",
      60_000,
    );

    expect(tap.of(jobId, DetailType.ReportGenerated)).toHaveLength(1);
    expect(tap.of(jobId, DetailType.ReportOrganized)).toHaveLength(1);
    expect(tap.of(jobId, DetailType.ReportFailed)).toEqual([]);
  });
});
