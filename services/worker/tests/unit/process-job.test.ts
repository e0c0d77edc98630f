import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3ServiceException } from "@aws-sdk/client-s3";
import type { Message } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "#events/error-codes.js";
import type { PublishableEvent } from "#events/event-publisher.js";
import { DetailType } from "#events/names.js";
import { parseReportEvent } from "#events/report-events.schema.js";
import { REPORT_JOB_EXAMPLE } from "#events/report-job.schema.js";
import { generatedKey } from "#events/s3-layout.js";
import { jobOfScheduledRun, SCHEDULED_RUN_EXAMPLE } from "#events/schedule.schema.js";
import type { Warehouse } from "#services/reports/warehouse.port.js";
import { createLogger } from "#services/shared/logger.js";
import { WarehouseQueryError, WarehouseUnavailableError } from "#services/warehouse/errors.js";
import type { JobClaim, JobClaims } from "../../job-claims.port.js";
import { type GenerateFn, type JobProcessorDeps, processJobMessage } from "../../process-job.js";
import type { ReportContent, ReportStore, StoredReportFacts } from "../../report-store.port.js";

class MemoryStore implements ReportStore {
  readonly bucket = "test-bucket";
  readonly objects = new Map<string, { bytes: Buffer; facts: StoredReportFacts }>();
  heads = 0;
  async head(key: string) {
    this.heads += 1;
    return this.objects.get(key)?.facts;
  }
  async putIfAbsent(key: string, content: ReportContent, facts: StoredReportFacts) {
    if (this.objects.has(key)) return "exists" as const;
    this.objects.set(key, { bytes: "bytes" in content ? content.bytes : readFileSync(content.path), facts });
    return "created" as const;
  }
}

/** Claims in memory with the S3 adapter's rule: the first claim of an id wins, later ones see it. */
class MemoryClaims implements JobClaims {
  readonly records = new Map<string, JobClaim>();
  calls = 0;
  async claim(claim: JobClaim) {
    this.calls += 1;
    const existing = this.records.get(claim.jobId);
    if (existing) return { claimed: false as const, existing: structuredClone(existing) };
    this.records.set(claim.jobId, structuredClone(claim));
    return { claimed: true as const };
  }
}

class CapturingSink {
  readonly events: PublishableEvent[] = [];
  /** The detail types of each PutEvents request, in order. */
  readonly requests: string[][] = [];
  fail = false;
  async publish(event: PublishableEvent) {
    const [published] = await this.publishAll([event]);
    return published as NonNullable<typeof published>;
  }
  async publishAll(events: readonly PublishableEvent[]) {
    if (this.fail) throw new Error("PutEvents unavailable");
    // Every emitted detail must satisfy the published contract.
    for (const event of events) parseReportEvent(event.detailType, event.detail);
    this.events.push(...events);
    this.requests.push(events.map((e) => e.detailType));
    return events.map((event, index) => ({
      index,
      detailType: event.detailType,
      eventId: "x",
      awsEventId: "y",
      attempts: 1,
    }));
  }
  types() {
    return this.events.map((e) => e.detailType);
  }
}

const CONTENT = '{"report_type":"Sales Report","data":[1,2,3]}';

function fakeGenerate(behaviour: () => void = () => {}): GenerateFn & { calls: number } {
  const fn = (async () => {
    fn.calls += 1;
    behaviour();
    return {
      kind: "stream" as const,
      contentType: "application/json",
      extension: "json" as const,
      body: (async function* () {
        yield Buffer.from(CONTENT.slice(0, 10));
        yield Buffer.from(CONTENT.slice(10));
      })(),
      stats: () => ({ rowCount: 3, summary: { total_revenue: 12.5 }, queryIds: ["q-1"] }),
    };
  }) as unknown as GenerateFn & { calls: number };
  fn.calls = 0;
  return fn;
}

/** A report the warehouse writes into the spool file itself; `fail` stops after writing part of it. */
function fileGenerate(options: { fail?: boolean } = {}): GenerateFn & { paths: string[] } {
  const fn = (async () => ({
    kind: "file" as const,
    contentType: "text/csv",
    extension: "csv" as const,
    async writeTo(path: string) {
      fn.paths.push(path);
      writeFileSync(path, CSV.slice(0, 8));
      if (options.fail) throw new WarehouseUnavailableError("DuckDB unavailable: out of memory");
      writeFileSync(path, CSV);
    },
    stats: () => ({ rowCount: 2, summary: {}, queryIds: ["duckdb-1"] }),
  })) as unknown as GenerateFn & { paths: string[] };
  fn.paths = [];
  return fn;
}
const CSV = "id,name\r\n1,a\r\n2,b\r\n";

function message(body: string, receiveCount = 1): Message {
  return {
    MessageId: `m-${Math.random().toString(36).slice(2)}`,
    ReceiptHandle: "rh",
    Body: body,
    Attributes: { ApproximateReceiveCount: String(receiveCount) },
  };
}

function deps(overrides: Partial<JobProcessorDeps> = {}) {
  const store = new MemoryStore();
  const claims = new MemoryClaims();
  const events = new CapturingSink();
  const base: JobProcessorDeps = {
    warehouse: {} as Warehouse,
    store,
    claims,
    events,
    generate: fakeGenerate(),
    logger: createLogger({ service: "test", write: () => {} }),
    maxReceiveCount: 3,
    retryBaseSeconds: 10,
    metrics: false,
  };
  return { store, claims, events, d: { ...base, ...overrides } };
}

const jobBody = JSON.stringify(REPORT_JOB_EXAMPLE);

describe("processJobMessage", () => {
  it("stores the report under generated/ and emits Started then Generated with size and sha256", async () => {
    const { store, events, d } = deps();

    const outcome = await processJobMessage(message(jobBody), d);

    expect(outcome).toEqual({ action: "delete" });
    const key = generatedKey({
      jobId: "WORKFLOW_SALES_001",
      reportType: "sales",
      format: "json",
      requestedAt: "2025-08-03T15:46:08.858Z",
    });
    expect(key).toBe("generated/WORKFLOW_SALES_001/WORKFLOW_SALES_001_sales_20250803_154608.json");
    expect(store.objects.get(key)?.bytes.toString()).toBe(CONTENT);
    // the outcome first: the bus routes entries in turn, so subscribers of ReportGenerated hear it sooner
    expect(events.types()).toEqual([DetailType.ReportGenerated, DetailType.ReportStarted]);
    const generated = events.events[0]?.detail as Record<string, unknown>;
    expect(generated.key).toBe(key);
    expect(generated.sizeBytes).toBe(Buffer.byteLength(CONTENT));
    expect(generated.sha256).toBe(createHash("sha256").update(CONTENT).digest("hex"));
    expect(generated.rowCount).toBe(3);
    expect(generated.summary).toEqual({ total_revenue: 12.5 });
  });

  it("uploads a report the warehouse wrote to the spool file as it is, with size and sha256 of the file, then removes it", async () => {
    const tmpDir = mkdtempSync(join(tmpdir(), "process-job-"));
    const generate = fileGenerate();
    const { store, events, d } = deps({ generate, tmpDir });

    const outcome = await processJobMessage(message(jobBody), d);

    expect(outcome).toEqual({ action: "delete" });
    const [stored] = [...store.objects.values()];
    expect(stored?.bytes.toString()).toBe(CSV);
    const generated = events.events.find((e) => e.detailType === DetailType.ReportGenerated)?.detail;
    expect(generated).toMatchObject({
      sizeBytes: Buffer.byteLength(CSV),
      sha256: createHash("sha256").update(CSV).digest("hex"),
      rowCount: 2,
      queryIds: ["duckdb-1"],
    });
    expect(generate.paths[0]?.startsWith(join(tmpDir, "report-pipeline"))).toBe(true);
    expect(existsSync(generate.paths[0] ?? "")).toBe(false);
    rmSync(tmpDir, { recursive: true, force: true });
  });

  it("fails the job when the warehouse fails part-way through writing the file, and removes the partial file", async () => {
    const tmpDir = mkdtempSync(join(tmpdir(), "process-job-"));
    const generate = fileGenerate({ fail: true });
    const { store, events, d } = deps({ generate, tmpDir });

    const outcome = await processJobMessage(message(jobBody), d);

    expect(outcome).toMatchObject({ action: "retry" });
    expect(store.objects.size).toBe(0);
    expect(events.types()).toEqual([DetailType.ReportFailed, DetailType.ReportStarted]);
    expect(readdirSync(join(tmpDir, "report-pipeline"))).toEqual([]);
    rmSync(tmpDir, { recursive: true, force: true });
  });

  it("re-emits the same ReportGenerated without a query when the object already exists", async () => {
    const generate = fakeGenerate();
    const { events, d } = deps({ generate });
    await processJobMessage(message(jobBody), d);
    const first = events.events.find((e) => e.detailType === DetailType.ReportGenerated);

    const outcome = await processJobMessage(message(jobBody, 2), d);

    expect(outcome).toEqual({ action: "delete" });
    expect(generate.calls).toBe(1);
    const generated = events.events.filter((e) => e.detailType === DetailType.ReportGenerated);
    expect(generated).toHaveLength(2);
    expect(generated[1]?.detail).toEqual(first?.detail);
  });

  it("rejects a body that is not JSON and deletes it", async () => {
    const { events, d } = deps();

    const outcome = await processJobMessage(message("not json {"), d);

    expect(outcome).toEqual({ action: "delete" });
    expect(events.types()).toEqual([DetailType.ReportRejected]);
    expect(String((events.events[0]?.detail as { reason?: string } | undefined)?.reason)).toMatch(
      /not valid JSON/,
    );
  });

  it("rejects an unknown report type naming the field, keeping the valid jobId", async () => {
    const { events, d } = deps();

    await processJobMessage(message(JSON.stringify({ ...REPORT_JOB_EXAMPLE, reportType: "astrology" })), d);

    const detail = events.events[0]?.detail as {
      jobId?: string;
      reportType?: string;
      issues: { field: string }[];
    };
    expect(events.types()).toEqual([DetailType.ReportRejected]);
    expect(detail.jobId).toBe("WORKFLOW_SALES_001");
    expect(detail.reportType).toBeUndefined();
    expect(detail.issues.map((i) => i.field)).toContain("reportType");
  });

  it("retries a retryable failure with growing visibility and a non-final ReportFailed", async () => {
    const { events, d } = deps({
      generate: fakeGenerate(() => {
        throw new WarehouseUnavailableError("warehouse suspended");
      }),
    });

    const first = await processJobMessage(message(jobBody, 1), d);
    const second = await processJobMessage(message(jobBody, 2), d);

    expect(first).toEqual({ action: "retry", visibilityTimeoutSeconds: 10 });
    expect(second).toEqual({ action: "retry", visibilityTimeoutSeconds: 20 });
    const failed = events.events.filter((e) => e.detailType === DetailType.ReportFailed);
    expect(failed.map((e) => (e.detail as { final: boolean }).final)).toEqual([false, false]);
  });

  it("on the last attempt emits a final ReportFailed and releases the message to the DLQ", async () => {
    const { events, d } = deps({
      generate: fakeGenerate(() => {
        throw new WarehouseUnavailableError("warehouse suspended");
      }),
    });

    const outcome = await processJobMessage(message(jobBody, 3), d);

    expect(outcome).toEqual({ action: "release" });
    const failed = events.events.find((e) => e.detailType === DetailType.ReportFailed)?.detail as {
      final: boolean;
      error: { code: string; retryable: boolean };
    };
    expect(failed.final).toBe(true);
    expect(failed.error).toMatchObject({ code: "WAREHOUSE_UNAVAILABLE", retryable: true });
  });

  it("fails a non-retryable error at once and deletes the message", async () => {
    const { events, store, d } = deps({
      generate: fakeGenerate(() => {
        throw new WarehouseQueryError("SQL compilation error");
      }),
    });

    const outcome = await processJobMessage(message(jobBody, 1), d);

    expect(outcome).toEqual({ action: "delete" });
    expect(store.objects.size).toBe(0);
    const failed = events.events.find((e) => e.detailType === DetailType.ReportFailed)?.detail as {
      final: boolean;
      error: { code: string };
    };
    expect(failed).toMatchObject({ final: true, error: { code: "WAREHOUSE_QUERY_FAILED" } });
  });

  it("fails at once when S3 answers AccessDenied (an SDK error), instead of retrying it to the DLQ", async () => {
    const { events, store, d } = deps();
    store.putIfAbsent = async () => {
      throw new S3ServiceException({
        name: "AccessDenied",
        $fault: "client",
        $metadata: { httpStatusCode: 403 },
        message: "Access Denied",
      });
    };

    const outcome = await processJobMessage(message(jobBody, 1), d);

    expect(outcome).toEqual({ action: "delete" });
    const failed = events.events.find((e) => e.detailType === DetailType.ReportFailed)?.detail;
    expect(failed).toMatchObject({ final: true, error: { code: "AWS_ACCESS_DENIED", retryable: false } });
  });

  it("retries when S3 throttles (an SDK error), with a non-final ReportFailed", async () => {
    const { events, store, d } = deps();
    store.putIfAbsent = async () => {
      throw new S3ServiceException({
        name: "SlowDown",
        $fault: "server",
        $metadata: { httpStatusCode: 503 },
        message: "Please reduce your request rate.",
      });
    };

    const outcome = await processJobMessage(message(jobBody, 1), d);

    expect(outcome).toMatchObject({ action: "retry" });
    const failed = events.events.find((e) => e.detailType === DetailType.ReportFailed)?.detail;
    expect(failed).toMatchObject({ final: false, error: { code: "AWS_THROTTLED", retryable: true } });
  });

  it("leaves the message when PutEvents fails after the object was stored, and the retry only re-emits", async () => {
    const generate = fakeGenerate();
    const { events, store, d } = deps({ generate });
    // The bus fails when ReportStarted and ReportGenerated go out, after the object was stored.
    events.fail = true;

    await expect(processJobMessage(message(jobBody, 1), d)).rejects.toThrow(/PutEvents/);
    expect(store.objects.size).toBe(1);
    events.fail = false;

    const outcome = await processJobMessage(message(jobBody, 2), d);

    expect(outcome).toEqual({ action: "delete" });
    expect(generate.calls).toBe(1);
    expect(events.types()).toEqual([DetailType.ReportGenerated]);
  });
});

describe("processJobMessage sends ReportStarted with the outcome when the job is quick", () => {
  it("a job done within the delay sends ReportStarted and ReportGenerated in one request", async () => {
    const { events, d } = deps({ startedDelayMs: 60_000 });

    await processJobMessage(message(jobBody), d);

    expect(events.requests).toEqual([[DetailType.ReportGenerated, DetailType.ReportStarted]]);
  });

  it("a job that fails within the delay sends ReportStarted and ReportFailed in one request", async () => {
    const { events, d } = deps({
      startedDelayMs: 60_000,
      generate: fakeGenerate(() => {
        throw new WarehouseUnavailableError("warehouse suspended");
      }),
    });

    await processJobMessage(message(jobBody, 1), d);

    expect(events.requests).toEqual([[DetailType.ReportFailed, DetailType.ReportStarted]]);
  });

  it("a longer job sends ReportStarted while its query runs, then ReportGenerated alone", async () => {
    let startedDuringQuery = false;
    const { events, d } = deps({ startedDelayMs: 5 });
    const generate: GenerateFn = async (...args) => {
      await new Promise((r) => setTimeout(r, 80));
      startedDuringQuery = events.types().includes(DetailType.ReportStarted);
      return fakeGenerate()(...args);
    };

    await processJobMessage(message(jobBody), { ...d, generate });

    expect(startedDuringQuery).toBe(true);
    expect(events.requests).toEqual([[DetailType.ReportStarted], [DetailType.ReportGenerated]]);
  });

  it("a ReportStarted that could not be sent while the query ran fails the attempt before anything is stored", async () => {
    const { events, store, d } = deps({ startedDelayMs: 5 });
    const generate: GenerateFn = async (...args) => {
      events.fail = true;
      await new Promise((r) => setTimeout(r, 50));
      return fakeGenerate()(...args);
    };

    await expect(processJobMessage(message(jobBody), { ...d, generate })).rejects.toThrow(/PutEvents/);

    expect(store.objects.size).toBe(0);
  });
});

describe("processJobMessage after the report was organized", () => {
  it("finds the report at its canonical key and re-emits without a query", async () => {
    const generate = fakeGenerate();
    const { store, events, d } = deps({ generate });
    await processJobMessage(message(jobBody), d);
    // The organizer moved the object from generated/ to reports/<category>/.
    const [key, object] = [...store.objects.entries()][0] ?? [];
    store.objects.delete(String(key));
    store.objects.set("reports/sales/WORKFLOW_SALES_001_sales_20250803_154608.json", object as never);

    const outcome = await processJobMessage(message(jobBody, 2), d);

    expect(outcome).toEqual({ action: "delete" });
    expect(generate.calls).toBe(1);
    expect(store.objects.size).toBe(1);
    expect(events.types()).toEqual([
      DetailType.ReportGenerated,
      DetailType.ReportStarted,
      DetailType.ReportGenerated,
    ]);
  });
});

describe("processJobMessage claims the job id", () => {
  const otherJob = JSON.stringify({
    ...REPORT_JOB_EXAMPLE,
    parameters: { from: "2025-06-01", to: "2025-06-30" },
    delivery: { webhookUrl: "https://attacker.example/hook" },
  });

  it("a new job costs one claim and no HEAD; the same job three times runs once and re-emits from the object", async () => {
    const generate = fakeGenerate();
    const { store, claims, events, d } = deps({ generate });

    for (let receive = 1; receive <= 3; receive++) {
      expect(await processJobMessage(message(jobBody, receive), d)).toEqual({ action: "delete" });
    }

    expect(generate.calls).toBe(1);
    expect(claims.calls).toBe(3);
    expect(store.heads).toBe(2); // one per redelivery: the report is still under generated/
    expect(store.objects.size).toBe(1);
    const generated = events.events.filter((e) => e.detailType === DetailType.ReportGenerated);
    const first = generated[0]?.detail as { eventId: string; sha256: string } | undefined;
    expect(generated.map((e) => (e.detail as { eventId: string }).eventId)).toEqual(
      Array(3).fill(first?.eventId),
    );
    expect((generated[2]?.detail as { sha256?: string } | undefined)?.sha256).toBe(first?.sha256);
    expect(claims.records.get("WORKFLOW_SALES_001")).not.toHaveProperty("done"); // written once, never rewritten
  });

  it("a different job under a used id is rejected with JOB_ID_CONFLICT and changes nothing of the first", async () => {
    const generate = fakeGenerate();
    const { store, claims, events, d } = deps({ generate });
    await processJobMessage(message(jobBody), d);
    const before = {
      objects: [...store.objects.keys()],
      claim: structuredClone(claims.records.get("WORKFLOW_SALES_001")),
    };

    const outcome = await processJobMessage(message(otherJob), d);

    expect(outcome).toEqual({ action: "delete" });
    expect(generate.calls).toBe(1);
    expect([...store.objects.keys()]).toEqual(before.objects);
    expect(claims.records.get("WORKFLOW_SALES_001")).toEqual(before.claim);
    const rejected = events.events.at(-1);
    expect(rejected?.detailType).toBe(DetailType.ReportRejected);
    expect(rejected?.detail).toMatchObject({
      jobId: "WORKFLOW_SALES_001",
      code: "JOB_ID_CONFLICT",
      issues: [{ field: "jobId" }],
    });
    expect(JSON.stringify(rejected?.detail)).toContain("WORKFLOW_SALES_001");
  });

  it("a squatter that claimed the id first keeps it: the real job is rejected, not run under the squatter's event ids", async () => {
    const generate = fakeGenerate();
    const { events, d } = deps({ generate });
    await processJobMessage(message(otherJob), d);

    await processJobMessage(message(jobBody), d);

    expect(generate.calls).toBe(1);
    expect(events.types()).toEqual([
      DetailType.ReportGenerated,
      DetailType.ReportStarted,
      DetailType.ReportRejected,
    ]);
  });

  it("requestedBy and correlationId do not make another job; requestedAt does", async () => {
    const generate = fakeGenerate();
    const { events, d } = deps({ generate });
    await processJobMessage(message(jobBody), d);

    await processJobMessage(
      message(JSON.stringify({ ...REPORT_JOB_EXAMPLE, requestedBy: "someone-else", correlationId: "c-2" })),
      d,
    );
    await processJobMessage(
      message(JSON.stringify({ ...REPORT_JOB_EXAMPLE, requestedAt: "2025-08-04T00:00:00Z" })),
      d,
    );

    expect(generate.calls).toBe(1);
    expect(events.types().slice(2)).toEqual([DetailType.ReportGenerated, DetailType.ReportRejected]);
  });
});

describe("processJobMessage keeps data and SQL out of events", () => {
  it("a warehouse error quoting a value and the SQL becomes the code's fixed message, with its query id", async () => {
    const raw =
      "Conversion Error: Could not convert string 'Oscorp Labs 3' to INT32 LINE 1: SELECT CAST(customer_name";
    const generate = fakeGenerate(() => {
      throw new WarehouseQueryError(`DuckDB query failed: ${raw}`, { queryId: "duckdb-q-42" });
    });
    const { events, d } = deps({ generate });

    await processJobMessage(message(jobBody), d);

    const failed = events.events.find((e) => e.detailType === DetailType.ReportFailed)?.detail;
    expect(failed).toMatchObject({
      final: true,
      error: {
        code: "WAREHOUSE_QUERY_FAILED",
        message: ERROR_CODES.WAREHOUSE_QUERY_FAILED.meaning,
        retryable: false,
        queryIds: ["duckdb-q-42"],
      },
    });
    expect(JSON.stringify(events.events)).not.toMatch(/Oscorp|SELECT|CAST/);
  });
});

describe("processJobMessage bounds what events carry", () => {
  it("a body built to blow up its rejection (many long, escaped unknown keys) gets a ReportRejected that fits", async () => {
    const { events, d } = deps();
    const keys = Object.fromEntries(
      Array.from({ length: 500 }, (_, i) => [`${"\u0001".repeat(600)}${i}`, 1]),
    );

    const outcome = await processJobMessage(message(JSON.stringify({ ...REPORT_JOB_EXAMPLE, ...keys })), d);

    expect(outcome).toEqual({ action: "delete" });
    const rejected = events.events.at(-1);
    expect(rejected?.detailType).toBe(DetailType.ReportRejected);
    expect(Buffer.byteLength(JSON.stringify(rejected?.detail))).toBeLessThan(128 * 1024);
  });

  it("a summary over the event's budget is announced as truncated (the report itself keeps it)", async () => {
    const generate = fakeGenerate();
    const big = { names: "x".repeat(20_000) };
    const wrapped = (async (...args: Parameters<GenerateFn>) => {
      const report = await generate(...args);
      return { ...report, stats: () => ({ ...report.stats(), summary: big }) };
    }) as GenerateFn;
    const { events, d } = deps({ generate: wrapped });

    await processJobMessage(message(jobBody), d);

    const generated = events.events.find((e) => e.detailType === DetailType.ReportGenerated)?.detail;
    expect(generated).toMatchObject({ summary: { _truncated: true } });
  });
});

describe("processJobMessage: scheduled runs", () => {
  const KEY = "s".repeat(32);

  it("runs the job a scheduled run stands for, under its derived id; the same period again is a duplicate", async () => {
    const { events, store, d } = deps({ jobIdKey: KEY });
    const nightly = JSON.stringify(SCHEDULED_RUN_EXAMPLE);
    const later = JSON.stringify({
      scheduledRun: { ...SCHEDULED_RUN_EXAMPLE.scheduledRun, scheduledTime: "2025-08-03T14:00:00Z" },
    });

    const first = await processJobMessage(message(nightly), d);
    const again = await processJobMessage(message(later), d);

    const expected = jobOfScheduledRun(SCHEDULED_RUN_EXAMPLE, KEY);
    expect(first).toEqual({ action: "delete" });
    expect(again).toEqual({ action: "delete" });
    expect(events.types()).toEqual([
      DetailType.ReportGenerated,
      DetailType.ReportStarted,
      DetailType.ReportGenerated,
    ]);
    expect(events.events.every((e) => e.detail.jobId === expected.jobId)).toBe(true);
    expect(store.objects.size).toBe(1);
    expect(d.generate).toHaveProperty("calls", 1);
  });

  it("rejects a scheduled run when the worker has no JOB_ID_KEY, naming scheduledRun", async () => {
    const { events, d } = deps();

    const outcome = await processJobMessage(message(JSON.stringify(SCHEDULED_RUN_EXAMPLE)), d);

    expect(outcome).toEqual({ action: "delete" });
    expect(events.types()).toEqual([DetailType.ReportRejected]);
    expect(JSON.stringify(events.events[0]?.detail)).toContain("JOB_ID_KEY");
  });

  it("rejects a run whose template makes no valid job, naming the field", async () => {
    const { events, d } = deps({ jobIdKey: KEY });
    const bad = { scheduledRun: { ...SCHEDULED_RUN_EXAMPLE.scheduledRun, job: { reportType: "sales" } } };

    await processJobMessage(message(JSON.stringify(bad)), d);

    expect(events.types()).toEqual([DetailType.ReportRejected]);
    expect(JSON.stringify(events.events[0]?.detail)).toContain("scheduledRun.job.parameters");
  });
});
