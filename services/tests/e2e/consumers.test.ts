import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { GetObjectTaggingCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { SubscribeCommand } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERROR_CODES } from "#events/error-codes.js";
import { DetailType } from "#events/names.js";
import type { ReportJobInput } from "#events/report-job.schema.js";
import {
  AUDIT_PREFIX,
  GENERATED_PREFIX,
  indexKey,
  latestPointerKey,
  parseAuditFileName,
} from "#events/s3-layout.js";
import { submitReportJob, submitReportJobs } from "#events/submit-report-job.js";
import { verifyWebhookSignature } from "#events/webhook-signature.js";
import type { RunningConsumers } from "#services/consumers/run-consumers.js";
import type { DailyIndex } from "#services/reports/report-index.js";
import { createLogger } from "#services/shared/logger.js";
import { WarehouseQueryError } from "#services/warehouse/errors.js";
import type { RunningWorker } from "#services/worker/main.js";
import {
  collectMessages,
  createBusTap,
  createTestTopology,
  eventually,
  type TestTopology,
} from "../../../localstack/testing.js";
import { objectVersions, readObject, salesJob, startTestConsumers, startTestWorker } from "./support.js";

const WEBHOOK_SECRET = "test-webhook-secret-0123456789";

interface SnsNote {
  Subject?: string;
  Message: string;
  MessageAttributes: Record<string, { Value: string }>;
}

describe("event consumers on LocalStack: organize, notify, audit", () => {
  let t: TestTopology;
  let tap: Awaited<ReturnType<typeof createBusTap>>;
  let worker: RunningWorker;
  let consumers: RunningConsumers;
  let inboxUrl: string;
  let hook: Server;
  const hookCalls: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  let hookUrl = "";

  /** SNS notifications received by the test's SQS subscription, parsed. */
  const inbox: SnsNote[] = [];
  const readInbox = async () => {
    const got = await collectMessages(t.clients, inboxUrl, { until: () => true, visibilityTimeout: 600 });
    for (const m of got) inbox.push(JSON.parse(m.Body ?? "{}") as SnsNote);
    return inbox;
  };
  const notesFor = (jobId: string) => inbox.filter((n) => n.MessageAttributes?.jobId?.Value === jobId);
  const noteCount = async (jobId: string) => {
    await readInbox();
    return notesFor(jobId).length;
  };

  beforeAll(async () => {
    t = await createTestTopology({ jobsMaxReceiveCount: 2 });
    const prefix = t.provisioned.topology.prefix;
    tap = await createBusTap(t);

    const q = await t.clients.sqs.send(new CreateQueueCommand({ QueueName: `${prefix}-test-inbox` }));
    inboxUrl = q.QueueUrl ?? "";
    const arn = await t.clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: inboxUrl, AttributeNames: ["QueueArn"] }),
    );
    await t.clients.sns.send(
      new SubscribeCommand({
        TopicArn: t.provisioned.notificationsTopicArn,
        Protocol: "sqs",
        Endpoint: arn.Attributes?.QueueArn,
      }),
    );

    hook = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => {
        body += c;
      });
      req.on("end", () => {
        hookCalls.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, "127.0.0.1", () => r()));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;

    // Jobs whose id starts with CONS_FAIL meet a warehouse that refuses their SQL (not retryable).
    worker = await startTestWorker(
      prefix,
      {},
      {
        warehouse: async (real) => {
          const inner = await real();
          const refuse = (tag?: string) => {
            if (tag?.startsWith("CONS_FAIL"))
              throw new WarehouseQueryError("SQL compilation error: object does not exist");
          };
          return {
            query: async (sql, binds, options) => {
              refuse(options?.tag);
              return inner.query(sql, binds, options);
            },
            stream: (sql, binds, options) => {
              refuse(options?.tag);
              return inner.stream(sql, binds, options);
            },
            ping: () => inner.ping(),
            close: () => inner.close(),
          };
        },
      },
    );
    consumers = await startTestConsumers(
      prefix,
      {
        VISIBILITY_TIMEOUT_SECONDS: "10",
        HEARTBEAT_INTERVAL_SECONDS: "3",
        WEBHOOK_SIGNING_SECRET: WEBHOOK_SECRET,
        // the test's hook listens on 127.0.0.1 (local development only; refused without AWS_ENDPOINT_URL)
        WEBHOOK_ALLOW_LOOPBACK: "true",
      },
      createLogger({ service: "consumers", level: "warn" }),
    );
  }, 90_000);

  afterAll(async () => {
    await consumers?.stop();
    await worker?.stop();
    await tap?.dispose();
    await new Promise((r) => hook?.close(r));
    if (inboxUrl) await t.clients.sqs.send(new DeleteQueueCommand({ QueueUrl: inboxUrl }));
    await t?.dispose();
  });

  it("takes one job through started, organized (tags, latest, index), one notification with a working link, and a full audit trail", async () => {
    await submitReportJob(
      t.clients.sqs,
      t.provisioned.jobs.queueUrl,
      salesJob("CONS_ONE", { delivery: { webhookUrl: hookUrl } }),
    );

    await tap.waitFor(
      (es) => es.some((e) => e.detail.jobId === "CONS_ONE" && e.detailType === DetailType.ReportNotified),
      "ReportNotified",
    );

    const organized = tap.of("CONS_ONE", DetailType.ReportOrganized)[0]?.detail as {
      finalKey: string;
      indexKey: string;
      sha256: string;
    };
    expect(organized.finalKey).toBe("reports/sales/CONS_ONE_sales_20250803_154608.json");
    const body = await readObject(t.clients, t.provisioned.bucket, organized.finalKey);
    expect(createHash("sha256").update(body).digest("hex")).toBe(organized.sha256);
    const tags = await t.clients.s3.send(
      new GetObjectTaggingCommand({ Bucket: t.provisioned.bucket, Key: organized.finalKey }),
    );
    expect(Object.fromEntries((tags.TagSet ?? []).map((x) => [x.Key, x.Value]))).toMatchObject({
      reportType: "sales",
      jobId: "CONS_ONE",
      format: "json",
    });
    const latest = JSON.parse(
      (await readObject(t.clients, t.provisioned.bucket, latestPointerKey("sales"))).toString(),
    );
    expect(latest.key).toBe(organized.finalKey);
    const index = JSON.parse(
      (await readObject(t.clients, t.provisioned.bucket, organized.indexKey)).toString(),
    ) as DailyIndex;
    expect(index.reports.filter((r) => r.jobId === "CONS_ONE")).toHaveLength(1);
    const generatedLeft = await t.clients.s3.send(
      new ListObjectsV2Command({ Bucket: t.provisioned.bucket, Prefix: `${GENERATED_PREFIX}CONS_ONE/` }),
    );
    expect(generatedLeft.KeyCount ?? 0).toBe(0);

    // One SNS notification, whose presigned link downloads the report.
    await eventually(async () => ((await noteCount("CONS_ONE")) >= 1 ? true : undefined), "SNS notification");
    const [note] = notesFor("CONS_ONE");
    expect(note?.MessageAttributes.outcome?.Value).toBe("organized");
    const link = /Download \(valid [^)]*\): (\S+)/.exec(note?.Message ?? "")?.[1];
    expect(link, note?.Message).toBeDefined();
    const download = await fetch(link ?? "");
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(body)).toBe(true);

    // The webhook got a correctly signed POST.
    expect(hookCalls).toHaveLength(1);
    const call = hookCalls[0];
    expect(
      verifyWebhookSignature({
        secret: WEBHOOK_SECRET,
        url: hookUrl,
        headers: call?.headers ?? {},
        body: call?.body ?? "",
      }),
    ).toMatchObject({ ok: true });
    const receipt = tap.of("CONS_ONE", DetailType.ReportNotified)[0]?.detail as {
      channels: { channel: string; outcome: string }[];
    };
    expect(receipt.channels.map((c) => `${c.channel}:${c.outcome}`)).toEqual([
      "sns:delivered",
      "webhook:delivered",
    ]);

    // One audit object per event of the job (Started, Generated, Organized, Notified).
    await eventually(async () => {
      const listed = await t.clients.s3.send(
        new ListObjectsV2Command({ Bucket: t.provisioned.bucket, Prefix: `${AUDIT_PREFIX}jobs/CONS_ONE/` }),
      );
      return (listed.KeyCount ?? 0) >= 4 ? listed : undefined;
    }, "four audit objects");
    const listed = await t.clients.s3.send(
      new ListObjectsV2Command({ Bucket: t.provisioned.bucket, Prefix: `${AUDIT_PREFIX}jobs/CONS_ONE/` }),
    );
    const kinds = (listed.Contents ?? [])
      .map((o) => parseAuditFileName(String(o.Key?.split("/").at(-1)))?.detailType)
      .sort();
    expect(kinds).toEqual(["ReportGenerated", "ReportNotified", "ReportOrganized", "ReportStarted"]);
  });

  it("lists 20 reports finishing together in the daily index exactly once each", async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `CONS_MANY_${String(i).padStart(2, "0")}`);
    await submitReportJobs(
      t.clients.sqs,
      t.provisioned.jobs.queueUrl,
      ids.map((id) =>
        salesJob(id, { reportType: "connectivity_test", parameters: {} } as Partial<ReportJobInput>),
      ),
    );

    await tap.waitFor(
      (es) =>
        ids.every((id) =>
          es.some((e) => e.detail.jobId === id && e.detailType === DetailType.ReportOrganized),
        ),
      "20 ReportOrganized",
      90_000,
    );

    const day = tap.of(ids[0] ?? "", DetailType.ReportOrganized)[0]?.detail.indexKey as string;
    const index = JSON.parse(
      (await readObject(t.clients, t.provisioned.bucket, day)).toString(),
    ) as DailyIndex;
    for (const id of ids) expect(index.reports.filter((r) => r.jobId === id)).toHaveLength(1);
    expect(index.count).toBe(index.reports.length);
  });

  it("applies the same ReportGenerated delivered three times once: one object, one index entry, one notification", async () => {
    await submitReportJob(t.clients.sqs, t.provisioned.jobs.queueUrl, salesJob("CONS_TRIPLE"));
    await tap.waitFor(
      (es) => es.some((e) => e.detail.jobId === "CONS_TRIPLE" && e.detailType === DetailType.ReportNotified),
      "first round",
    );
    const generated = tap.of("CONS_TRIPLE", DetailType.ReportGenerated)[0];
    const organizedBefore = tap.of("CONS_TRIPLE", DetailType.ReportOrganized).length;

    // Deliver the very same event to the organizer twice more, as EventBridge may.
    const envelope = {
      version: "0",
      id: "redelivered",
      "detail-type": DetailType.ReportGenerated,
      source: "report-pipeline.reports",
      time: new Date().toISOString(),
      detail: generated?.detail,
    };
    for (let i = 0; i < 2; i++) {
      await t.clients.sqs.send(
        new SendMessageCommand({
          QueueUrl: t.provisioned.consumers.organizer.queueUrl,
          MessageBody: JSON.stringify(envelope),
        }),
      );
    }
    // Wait until the organizer has consumed both copies (its queue is empty again).
    await eventually(async () => {
      const a = await t.clients.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: t.provisioned.consumers.organizer.queueUrl,
          AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        }),
      );
      const n =
        Number(a.Attributes?.ApproximateNumberOfMessages) +
        Number(a.Attributes?.ApproximateNumberOfMessagesNotVisible);
      return n === 0 ? true : undefined;
    }, "organizer queue drained");
    await eventually(
      async () => ((await noteCount("CONS_TRIPLE")) >= 1 ? true : undefined),
      "SNS notification",
    );

    const finalKey = "reports/sales/CONS_TRIPLE_sales_20250803_154608.json";
    expect(await objectVersions(t.clients, t.provisioned.bucket, finalKey)).toHaveLength(1);
    const day = indexKey(String(generated?.detail.generatedAt));
    const index = JSON.parse(
      (await readObject(t.clients, t.provisioned.bucket, day)).toString(),
    ) as DailyIndex;
    expect(index.reports.filter((r) => r.jobId === "CONS_TRIPLE")).toHaveLength(1);
    expect(tap.of("CONS_TRIPLE", DetailType.ReportOrganized)).toHaveLength(organizedBefore);
    expect(notesFor("CONS_TRIPLE")).toHaveLength(1);
  });

  it("notifies a failing job with its error code and audits the failure", async () => {
    await submitReportJob(t.clients.sqs, t.provisioned.jobs.queueUrl, salesJob("CONS_FAIL_1"));

    await tap.waitFor(
      (es) => es.some((e) => e.detail.jobId === "CONS_FAIL_1" && e.detailType === DetailType.ReportNotified),
      "receipt for the failure",
    );
    await eventually(
      async () => ((await noteCount("CONS_FAIL_1")) >= 1 ? true : undefined),
      "SNS notification",
    );

    const [note] = notesFor("CONS_FAIL_1");
    expect(note?.MessageAttributes.outcome?.Value).toBe("failed");
    expect(note?.MessageAttributes.errorCode?.Value).toBe("WAREHOUSE_QUERY_FAILED");
    // The code and its fixed meaning; the driver's text (which may quote data and SQL) stays in the log.
    expect(note?.Message).toContain(`WAREHOUSE_QUERY_FAILED: ${ERROR_CODES.WAREHOUSE_QUERY_FAILED.meaning}`);
    expect(note?.Message).not.toContain("SQL compilation error");
    const listed = await t.clients.s3.send(
      new ListObjectsV2Command({ Bucket: t.provisioned.bucket, Prefix: `${AUDIT_PREFIX}jobs/CONS_FAIL_1/` }),
    );
    expect((listed.Contents ?? []).some((o) => o.Key?.includes("_ReportFailed_"))).toBe(true);
  });

  it("notifies a rejected job with the reason naming the field", async () => {
    await t.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: t.provisioned.jobs.queueUrl,
        MessageBody: JSON.stringify({
          ...salesJob("CONS_BAD"),
          parameters: { from: "2025-08-01", to: "2025-07-01" },
        }),
      }),
    );

    await tap.waitFor(
      (es) => es.some((e) => e.detail.jobId === "CONS_BAD" && e.detailType === DetailType.ReportNotified),
      "receipt for the rejection",
    );
    await eventually(async () => ((await noteCount("CONS_BAD")) >= 1 ? true : undefined), "SNS notification");

    const [note] = notesFor("CONS_BAD");
    expect(note?.MessageAttributes.outcome?.Value).toBe("rejected");
    expect(note?.Message).toMatch(/parameters\.to: must be on or after parameters\.from/);
    const listed = await t.clients.s3.send(
      new ListObjectsV2Command({ Bucket: t.provisioned.bucket, Prefix: `${AUDIT_PREFIX}jobs/CONS_BAD/` }),
    );
    expect((listed.Contents ?? []).some((o) => o.Key?.includes("_ReportRejected_"))).toBe(true);
  });
});
