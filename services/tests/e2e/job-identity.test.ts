/**
 * e2e, job identity: the real worker and all three consumers on LocalStack. A job id is claimed by the
 * first job that uses it; the same job again is a duplicate (one report), a different job under that id is
 * a ReportRejected JOB_ID_CONFLICT that changes nothing of the first. The worker's S3 calls are counted:
 * one claim request per job, no HEADs.
 */
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

describe("job identity (worker and consumers on LocalStack)", () => {
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

  it("the same job three times: one report, one claim request per receive, no HEAD", async () => {
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
    expect(ofJob.filter((c) => c === `PutObjectCommand ${jobClaimKey(jobId)}`).length).toBe(3 + 1); // 3 claims + done
    expect(ofJob.filter((c) => c.startsWith("HeadObjectCommand"))).toEqual([]);
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
});
