import { createHash } from "node:crypto";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DetailType } from "#events/names.js";
import type { ReportJobInput } from "#events/report-job.schema.js";
import { GENERATED_PREFIX, generatedKey } from "#events/s3-layout.js";
import { submitReportJob } from "#events/submit-report-job.js";
import type { Warehouse } from "#services/reports/warehouse.port.js";
import type { RunningWorker } from "#services/worker/main.js";
import { FaultyWarehouse } from "../../../localstack/faults/faulty-warehouse.js";
import type { ServiceProcess } from "../../../localstack/service-process.js";
import {
  createTestTopology,
  EventTap,
  eventually,
  queueDepth,
  spawnWorker,
  type TestTopology,
  workerReady,
} from "../../../localstack/testing.js";
import { interceptWarehouse, objectVersions, readObject, salesJob, startTestWorker } from "./support.js";

/** Counts queries per job tag, to prove a duplicate delivery runs none. */
function countingWarehouse(inner: Warehouse, counts: Map<string, number>): Warehouse {
  return interceptWarehouse(inner, (tag) => counts.set(tag ?? "", (counts.get(tag ?? "") ?? 0) + 1));
}

describe("report worker on LocalStack (DuckDB warehouse)", () => {
  let t: TestTopology;
  let tap: EventTap;
  let worker: RunningWorker | undefined;
  const queries = new Map<string, number>();

  beforeAll(async () => {
    t = await createTestTopology({ jobsMaxReceiveCount: 3 });
    // The audit queue gets every pipeline event: the test's window on what the worker emitted.
    tap = new EventTap(t.clients, t.provisioned.consumers.auditor.queueUrl);
    worker = await startTestWorker(
      t.provisioned.topology.prefix,
      {},
      {
        warehouse: async (real) => countingWarehouse(await real(), queries),
      },
    );
  });

  afterAll(async () => {
    await worker?.stop();
    await tap?.stop();
    await t?.dispose();
  });

  it("turns a submitted job into one report object and exactly one ReportGenerated with key, size and sha256", async () => {
    const { job: sent } = await submitReportJob(
      t.clients.sqs,
      t.provisioned.jobs.queueUrl,
      salesJob("E2E_SALES_1"),
    );

    await tap.waitFor(
      (es) => es.some((e) => e.detail.jobId === "E2E_SALES_1" && e.detailType === "ReportGenerated"),
      "ReportGenerated",
    );
    await eventually(
      async () => ((await queueDepth(t.clients, t.provisioned.jobs.queueUrl)) === 0 ? true : undefined),
      "jobs queue empty",
    );

    const generated = tap.of("E2E_SALES_1", DetailType.ReportGenerated);
    expect(generated).toHaveLength(1);
    const detail = generated[0]?.detail as {
      key: string;
      sizeBytes: number;
      sha256: string;
      rowCount: number;
    };
    expect(detail.key).toBe(generatedKey(sent));
    const body = await readObject(t.clients, t.provisioned.bucket, detail.key);
    expect(detail.sizeBytes).toBe(body.length);
    expect(detail.sha256).toBe(createHash("sha256").update(body).digest("hex"));
    const doc = JSON.parse(body.toString("utf8"));
    expect(doc.job_id).toBe("E2E_SALES_1");
    expect(doc.parameters).toMatchObject({ from: "2025-07-01", to: "2025-07-31" });
    expect(typeof doc.summary).toBe("object");
    expect(Array.isArray(doc.data)).toBe(true);
    expect(tap.of("E2E_SALES_1", DetailType.ReportStarted)).toHaveLength(1);
  });

  it("delivers a duplicate once: one object, and the second run performs no query", async () => {
    const { job: sent } = await submitReportJob(
      t.clients.sqs,
      t.provisioned.jobs.queueUrl,
      salesJob("E2E_DUP_1"),
    );
    await tap.waitFor(
      (es) => es.some((e) => e.detail.jobId === "E2E_DUP_1" && e.detailType === "ReportGenerated"),
      "first ReportGenerated",
    );
    const queriesAfterFirst = queries.get("E2E_DUP_1") ?? 0;
    expect(queriesAfterFirst).toBeGreaterThan(0);

    // The same message body again, as SQS would redeliver it.
    await t.clients.sqs.send(
      new SendMessageCommand({ QueueUrl: t.provisioned.jobs.queueUrl, MessageBody: JSON.stringify(sent) }),
    );
    await tap.waitFor(
      (es) =>
        es.filter((e) => e.detail.jobId === "E2E_DUP_1" && e.detailType === "ReportGenerated").length === 2,
      "re-emitted ReportGenerated",
    );

    expect(queries.get("E2E_DUP_1")).toBe(queriesAfterFirst);
    const versions = await objectVersions(t.clients, t.provisioned.bucket, `${GENERATED_PREFIX}E2E_DUP_1/`);
    expect(versions).toHaveLength(1);
    const [a, b] = tap.of("E2E_DUP_1", DetailType.ReportGenerated);
    expect(a?.detail.eventId).toBe(b?.detail.eventId);
    expect(tap.of("E2E_DUP_1", DetailType.ReportStarted)).toHaveLength(1);
  });

  it("rejects poison messages with a terminal event each, empties the queue and stays up", async () => {
    const send = (body: string) =>
      t.clients.sqs.send(
        new SendMessageCommand({ QueueUrl: t.provisioned.jobs.queueUrl, MessageBody: body }),
      );
    await send("this is not json");
    await send(JSON.stringify({ hello: "world" }));
    await send(JSON.stringify({ ...salesJob("E2E_POISON_TYPE"), reportType: "horoscope" }));

    await tap.waitFor(
      (es) => es.filter((e) => e.detailType === "ReportRejected").length >= 3,
      "three ReportRejected",
    );
    await eventually(
      async () => ((await queueDepth(t.clients, t.provisioned.jobs.queueUrl)) === 0 ? true : undefined),
      "jobs queue empty",
    );

    const rejected = tap.events.filter((e) => e.detailType === "ReportRejected").map((e) => e.detail);
    expect(rejected.map((d) => String(d.reason))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/not valid JSON/),
        expect.stringMatching(/reportType: must be one of/),
      ]),
    );
    expect(rejected.find((d) => d.jobId === "E2E_POISON_TYPE")).toBeDefined();
    expect(await queueDepth(t.clients, t.provisioned.jobs.dlqUrl)).toBe(0);
    const health = await fetch(`http://127.0.0.1:${worker?.port}/health`);
    expect(health.status).toBe(200);
  });
});

describe("report worker retries on LocalStack", () => {
  let t: TestTopology;
  let tap: EventTap;
  let worker: RunningWorker | undefined;

  beforeAll(async () => {
    t = await createTestTopology({ jobsMaxReceiveCount: 3 });
    tap = new EventTap(t.clients, t.provisioned.consumers.auditor.queueUrl);
  });

  afterAll(async () => {
    await worker?.stop();
    await tap?.stop();
    await t?.dispose();
  });

  it("a warehouse that fails twice then succeeds yields one report", async () => {
    worker = await startTestWorker(
      t.provisioned.topology.prefix,
      {},
      {
        warehouse: async (real) =>
          new FaultyWarehouse(await real(), { delayMs: 0, failFirst: 2, failRate: 0, seed: 1 }),
      },
    );
    await submitReportJob(
      t.clients.sqs,
      t.provisioned.jobs.queueUrl,
      salesJob("E2E_RETRY_OK", {
        reportType: "connectivity_test",
        parameters: {},
      } as Partial<ReportJobInput>),
    );

    await tap.waitFor(
      (es) => es.some((e) => e.detail.jobId === "E2E_RETRY_OK" && e.detailType === "ReportGenerated"),
      "ReportGenerated after retries",
      45_000,
    );

    const failed = tap.of("E2E_RETRY_OK", DetailType.ReportFailed).map((e) => e.detail);
    expect(failed.map((d) => d.final)).toEqual([false, false]);
    expect(failed.map((d) => d.attempt).sort()).toEqual([1, 2]);
    expect(
      await objectVersions(t.clients, t.provisioned.bucket, `${GENERATED_PREFIX}E2E_RETRY_OK/`),
    ).toHaveLength(1);
    await worker.stop();
    worker = undefined;
  });

  it("a warehouse that always fails ends in the DLQ with a final ReportFailed", async () => {
    worker = await startTestWorker(
      t.provisioned.topology.prefix,
      {},
      {
        warehouse: async (real) =>
          new FaultyWarehouse(await real(), { delayMs: 0, failFirst: 0, failRate: 1, seed: 1 }),
      },
    );
    await submitReportJob(
      t.clients.sqs,
      t.provisioned.jobs.queueUrl,
      salesJob("E2E_RETRY_DEAD", {
        reportType: "connectivity_test",
        parameters: {},
      } as Partial<ReportJobInput>),
    );

    await tap.waitFor(
      (es) =>
        es.some(
          (e) =>
            e.detail.jobId === "E2E_RETRY_DEAD" && e.detailType === "ReportFailed" && e.detail.final === true,
        ),
      "final ReportFailed",
      45_000,
    );
    await eventually(
      async () => ((await queueDepth(t.clients, t.provisioned.jobs.dlqUrl)) === 1 ? true : undefined),
      "job in the DLQ",
      30_000,
    );

    expect(await queueDepth(t.clients, t.provisioned.jobs.queueUrl)).toBe(0);
    expect(tap.of("E2E_RETRY_DEAD", DetailType.ReportFailed).map((e) => e.detail.attempt)).toEqual([1, 2, 3]);
    expect(tap.of("E2E_RETRY_DEAD", DetailType.ReportGenerated)).toHaveLength(0);
  });
});

describe("report worker process lifecycle on LocalStack", () => {
  let t: TestTopology;
  let tap: EventTap;
  const processes: ServiceProcess[] = [];

  beforeAll(async () => {
    t = await createTestTopology({ jobsMaxReceiveCount: 5 });
    tap = new EventTap(t.clients, t.provisioned.consumers.auditor.queueUrl);
  });

  afterAll(async () => {
    for (const p of processes) if (p.child.exitCode === null) p.child.kill("SIGKILL");
    await tap?.stop();
    await t?.dispose();
  });

  it("survives SIGKILL mid-job: after visibility expiry a second worker completes it, one object", async () => {
    const slow = spawnWorker(t.provisioned.topology.prefix, {
      WAREHOUSE_FAULTS: JSON.stringify({ delayMs: 4000 }),
    });
    processes.push(slow);
    await workerReady(slow);
    await submitReportJob(t.clients.sqs, t.provisioned.jobs.queueUrl, salesJob("E2E_CRASH_1"));
    await tap.waitFor(
      (es) => es.some((e) => e.detail.jobId === "E2E_CRASH_1" && e.detailType === "ReportStarted"),
      "job running",
    );

    slow.child.kill("SIGKILL");
    await slow.exited;
    const healthy = spawnWorker(t.provisioned.topology.prefix);
    processes.push(healthy);

    await tap.waitFor(
      (es) => es.some((e) => e.detail.jobId === "E2E_CRASH_1" && e.detailType === "ReportGenerated"),
      "ReportGenerated by the second worker",
      45_000,
    );
    await eventually(
      async () => ((await queueDepth(t.clients, t.provisioned.jobs.queueUrl)) === 0 ? true : undefined),
      "jobs queue empty",
    );

    expect(
      await objectVersions(t.clients, t.provisioned.bucket, `${GENERATED_PREFIX}E2E_CRASH_1/`),
    ).toHaveLength(1);
    expect(
      tap.of("E2E_CRASH_1", DetailType.ReportStarted).map((e) => e.detail.attempt),
      [...slow.lines, "----", ...healthy.lines].join("\n"),
    ).toEqual([1, 2]);
    healthy.child.kill("SIGTERM");
    expect(await healthy.exited).toBe(0);
  });

  it("on SIGTERM finishes in-flight jobs, exits 0 and leaves no message invisible", async () => {
    const w = spawnWorker(t.provisioned.topology.prefix, {
      WAREHOUSE_FAULTS: JSON.stringify({ delayMs: 2500 }),
    });
    processes.push(w);
    await workerReady(w);
    await submitReportJob(t.clients.sqs, t.provisioned.jobs.queueUrl, salesJob("E2E_TERM_1"));
    await submitReportJob(t.clients.sqs, t.provisioned.jobs.queueUrl, salesJob("E2E_TERM_2"));
    await tap.waitFor(
      (es) =>
        ["E2E_TERM_1", "E2E_TERM_2"].every((id) =>
          es.some((e) => e.detail.jobId === id && e.detailType === "ReportStarted"),
        ),
      "both jobs running",
    );

    w.child.kill("SIGTERM");
    const code = await w.exited;

    expect(code).toBe(0);
    await tap.waitFor(
      (es) =>
        ["E2E_TERM_1", "E2E_TERM_2"].every((id) =>
          es.some((e) => e.detail.jobId === id && e.detailType === "ReportGenerated"),
        ),
      "both reports generated",
    );
    expect(await queueDepth(t.clients, t.provisioned.jobs.queueUrl)).toBe(0);
    expect(w.lines.some((l: string) => l.includes('"worker stopped"') && l.includes('"drained":true'))).toBe(
      true,
    );
  });
});

describe("jobs DLQ sweeper on LocalStack", () => {
  let t: TestTopology;
  let tap: EventTap;
  let worker: RunningWorker | undefined;

  beforeAll(async () => {
    t = await createTestTopology();
    tap = new EventTap(t.clients, t.provisioned.consumers.auditor.queueUrl);
  });

  afterAll(async () => {
    await worker?.stop();
    await tap?.stop();
    await t?.dispose();
  });

  it("gives a job dead-lettered without a final event (a crash on its last receive) a final ReportFailed, and keeps it in the DLQ", async () => {
    // What SQS leaves behind when the process died during the job's last allowed receive.
    await t.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: t.provisioned.jobs.dlqUrl,
        MessageBody: JSON.stringify(salesJob("E2E_DEAD_1")),
      }),
    );

    worker = await startTestWorker(t.provisioned.topology.prefix, { DLQ_SWEEP_INTERVAL_SECONDS: "1" });

    await tap.waitFor(
      (es) => es.some((e) => e.detail.jobId === "E2E_DEAD_1" && e.detailType === "ReportFailed"),
      "final ReportFailed",
    );
    const failed = tap.of("E2E_DEAD_1", DetailType.ReportFailed)[0]?.detail as {
      final: boolean;
      error: { code: string };
    };
    expect(failed).toMatchObject({ final: true, error: { code: "JOB_DEAD_LETTERED" } });
    expect(await queueDepth(t.clients, t.provisioned.jobs.dlqUrl)).toBe(1);
  });
});
