/**
 * getJobStatus and replayAuditTrail on in-memory ports. The trail is written by the real auditor (its
 * handler, on an in-memory AuditStore), so records and keys have exactly the auditor's shape; the
 * LocalStack counterpart is tests/integration/status-replay.test.ts.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { ValidationError } from "#events/errors.js";
import { DetailType } from "#events/names.js";
import { eventIdFor } from "#events/report-events.schema.js";
import { auditFileName, auditJobPrefix, indexKey, latestPointerKey } from "#events/s3-layout.js";
import type { AuditStore } from "#services/auditor/audit-store.port.js";
import { createAuditor } from "#services/auditor/auditor.js";
import type { ReportEventEnvelope } from "#services/consumers/event-consumer.js";
import { addToIndex, type DailyIndex, newerPointer } from "#services/reports/report-index.js";
import { createLogger } from "#services/shared/logger.js";
import { rememberingTrail } from "../../audit-trail.js";
import type { AuditTrail, JsonDocuments } from "../../audit-trail.port.js";
import { AuditRecordInvalidError, AuditTrailTooLargeError } from "../../errors.js";
import { getJobStatus, MAX_EVENTS_PER_JOB } from "../../job-status.js";
import { replayAuditTrail } from "../../replay.js";
import { failedOf, reportOf, startedOf } from "../fixtures/audited-events.js";

/** One bucket in memory: the auditor writes into it (first write wins), status reads it back. */
class MemoryBucket implements AuditStore, AuditTrail, JsonDocuments {
  readonly location = "mem://bucket/";
  readonly objects = new Map<string, string>();
  readonly writes: string[] = [];
  listed = 0;

  async putOnce(key: string, body: string) {
    if (this.objects.has(key)) return "existed" as const;
    this.objects.set(key, body);
    return "written" as const;
  }

  async *keys(prefix: string): AsyncIterable<string> {
    for (const key of [...this.objects.keys()].sort()) {
      if (!key.startsWith(prefix)) continue;
      this.listed++;
      yield key;
    }
  }

  async text(key: string): Promise<string> {
    const body = this.objects.get(key);
    if (body === undefined) throw new Error(`no object ${key}`);
    return body;
  }

  async read<T>(key: string): Promise<T | undefined> {
    const body = this.objects.get(key);
    return body === undefined ? undefined : (JSON.parse(body) as T);
  }

  async update<T>(key: string, change: (current: T | undefined) => T | undefined): Promise<boolean> {
    const next = change(await this.read<T>(key));
    if (next === undefined) return false;
    this.objects.set(key, `${JSON.stringify(next, null, 2)}\n`);
    this.writes.push(key);
    return true;
  }
}

const log = createLogger({ service: "test", write: () => {} });
let bucket: MemoryBucket;
let audit: (e: ReportEventEnvelope) => Promise<void>;
beforeEach(() => {
  bucket = new MemoryBucket();
  const auditor = createAuditor({ store: bucket });
  audit = (e) => auditor.handle(e, log);
});

describe("getJobStatus", () => {
  it("is undefined for a job with no audited event, and refuses a bad job id before reading anything", async () => {
    expect(await getJobStatus(bucket, "NEVER_SUBMITTED")).toBeUndefined();

    const error = await getJobStatus(bucket, "../audit").catch((e) => e);

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fields).toEqual(["jobId"]);
    expect(bucket.listed).toBe(0);
  });

  it("folds the job's audited events, skipping objects under its prefix that are not audit file names", async () => {
    await audit(startedOf("J1", 1, "2025-08-03T10:00:00Z"));
    await audit(failedOf("J1", 1, false, "2025-08-03T10:00:01Z"));
    await audit(startedOf("J1", 2, "2025-08-03T10:00:03Z"));
    await audit(failedOf("J1", 2, true, "2025-08-03T10:00:04Z"));
    await audit(startedOf("J10", 1, "2025-08-03T10:00:00Z")); // another job whose id extends this one
    bucket.objects.set(`${auditJobPrefix("J1")}notes.txt`, "not an audit record");

    const status = await getJobStatus(bucket, "J1");

    expect(status).toMatchObject({
      jobId: "J1",
      state: "failed",
      attempts: 2,
      timestamps: { started: "2025-08-03T10:00:00Z", failed: "2025-08-03T10:00:04Z" },
      error: { code: "WAREHOUSE_UNAVAILABLE", retryable: true },
    });
    expect(status?.events).toHaveLength(4);
  });

  it("fails loudly, naming the object, on an audit-named object that is not a record", async () => {
    await audit(startedOf("J2", 1, "2025-08-03T10:00:00Z"));
    const key = `${auditJobPrefix("J2")}${auditFileName("2025-08-03T10:00:01Z", DetailType.ReportFailed, eventIdFor("J2", DetailType.ReportFailed, 1))}`;
    bucket.objects.set(key, "{not json");

    const error = await getJobStatus(bucket, "J2").catch((e) => e);

    expect(error).toBeInstanceOf(AuditRecordInvalidError);
    expect((error as Error).message).toContain(`mem://bucket/${key}`);
  });

  it("refuses a trail longer than any job makes instead of reading it all", async () => {
    for (let i = 0; i <= MAX_EVENTS_PER_JOB; i++) {
      const time = new Date(Date.UTC(2025, 7, 3) + i * 1000).toISOString();
      bucket.objects.set(
        `${auditJobPrefix("J3")}${auditFileName(time, DetailType.ReportStarted, eventIdFor("J3", DetailType.ReportStarted, i + 1))}`,
        "",
      );
    }

    const error = await getJobStatus(bucket, "J3").catch((e) => e);

    expect(error).toBeInstanceOf(AuditTrailTooLargeError);
    expect((error as Error).message).toContain(`more than ${MAX_EVENTS_PER_JOB}`);
  });
});

describe("rememberingTrail", () => {
  it("reads each record once across polls, sees new ones, and keeps at most maxRecords", async () => {
    await audit(startedOf("J1", 1, "2025-08-03T10:00:00Z"));
    let reads = 0;
    const counting: AuditTrail = {
      location: bucket.location,
      keys: (prefix) => bucket.keys(prefix),
      text: (key) => {
        reads++;
        return bucket.text(key);
      },
    };
    const trail = rememberingTrail(counting, 2);

    expect((await getJobStatus(trail, "J1"))?.state).toBe("running");
    expect((await getJobStatus(trail, "J1"))?.state).toBe("running");
    expect(reads).toBe(1);
    await audit(failedOf("J1", 1, true, "2025-08-03T10:00:01Z"));
    expect((await getJobStatus(trail, "J1"))?.state).toBe("failed");
    expect(reads).toBe(2);
    await audit(startedOf("J2", 1, "2025-08-03T10:00:02Z"));
    await getJobStatus(trail, "J2"); // a third record: the oldest is forgotten
    await getJobStatus(trail, "J1");
    expect(reads).toBe(4);
  });
});

describe("replayAuditTrail", () => {
  const day = "2025-06-10";
  const ports = () => ({ trail: bucket, documents: bucket });

  it("rebuilds a day's index and pointer from the trail, including a report organized after midnight; a second run writes nothing", async () => {
    const reports = [
      reportOf("RP_A", `${day}T08:00:00.000Z`, `${day}T08:00:02Z`, "sales"),
      reportOf("RP_C", `${day}T23:59:59.500Z`, "2025-06-11T00:00:01Z", "sales"),
      reportOf("RP_NEXT", "2025-06-11T09:00:00.000Z", "2025-06-11T09:00:01Z", "sales"), // outside the range
    ];
    for (const r of reports) for (const e of [r.generated, r.organized]) await audit(e);

    const rebuilt = await replayAuditTrail(ports(), { from: day, to: day });
    const again = await replayAuditTrail(ports(), { from: day, to: day });

    expect(rebuilt).toMatchObject({ daysScanned: 2, events: 3, entries: 2, changed: 2 });
    expect(rebuilt.changedKeys.sort()).toEqual(
      [indexKey(`${day}T00:00:00Z`), latestPointerKey("sales")].sort(),
    );
    // what the organizer would have written, entry by entry, with the same functions
    const [a, c] = reports.map((r) => r.entry);
    const expected = addToIndex(addToIndex(undefined, day, a as never) as DailyIndex, day, c as never);
    expect(await bucket.read(indexKey(`${day}T00:00:00Z`))).toEqual(expected);
    expect(await bucket.read(latestPointerKey("sales"))).toEqual(newerPointer(undefined, c as never));
    expect(again.changed).toBe(0);
    expect(bucket.writes).toHaveLength(2);
  });

  it("with dryRun says what would change and writes nothing", async () => {
    const d = reportOf("RP_D", `${day}T08:00:00.000Z`, `${day}T08:00:02Z`, "sales");
    for (const e of [d.generated, d.organized]) await audit(e);

    const dry = await replayAuditTrail(ports(), { from: day, to: day, dryRun: true });

    expect(dry).toMatchObject({ dryRun: true, changed: 2 });
    expect(bucket.writes).toEqual([]);
    expect(await bucket.read(indexKey(`${day}T00:00:00Z`))).toBeUndefined();
  });

  it("refuses a bad range before reading the trail", async () => {
    const error = await replayAuditTrail(ports(), { from: day, to: "2025-06-09" }).catch((e) => e);

    expect(error).toBeInstanceOf(ValidationError);
    expect(bucket.listed).toBe(0);
  });
});
