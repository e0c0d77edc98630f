/**
 * getJobStatus and replayAuditTrail against LocalStack S3, on audit trails written by the real auditor
 * (its consumer handler, fed with envelopes), so the records have exactly the auditor's shape and keys.
 */
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValidationError } from "#events/errors.js";
import { DetailType } from "#events/names.js";
import { eventIdFor } from "#events/report-events.schema.js";
import { auditJobPrefix, indexKey, latestPointerKey } from "#events/s3-layout.js";
import { createAuditor } from "#services/auditor/auditor.js";
import { S3AuditStore } from "#services/auditor/s3-audit-store.js";
import type { ReportEventEnvelope } from "#services/consumers/event-consumer.js";
import { recordInIndexes } from "#services/organizer/s3-organizer-store.js";
import { createLogger } from "#services/shared/logger.js";
import { createTestTopology, type TestTopology } from "../../../../localstack/testing.js";
import { AuditRecordInvalidError } from "../../errors.js";
import { getJobStatus } from "../../job-status.js";
import { replayAuditTrail } from "../../replay.js";
import { S3AuditTrail, s3StatusPorts } from "../../s3-audit-trail.js";
import { failedOf, reportOf, startedOf } from "../fixtures/audited-events.js";

const log = createLogger({ service: "status-test", level: "error" });
describe("job status and replay on the audit trail (LocalStack S3)", () => {
  let t: TestTopology;
  let bucket: string;
  let audit: (e: ReportEventEnvelope) => Promise<void>;
  const text = async (key: string) =>
    (await t.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body?.transformToString();

  beforeAll(async () => {
    t = await createTestTopology();
    bucket = t.provisioned.bucket;
    const auditor = createAuditor({ store: new S3AuditStore(t.clients.s3, bucket) });
    audit = (e) => auditor.handle(e, log);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("an unknown job has no status; a malformed jobId is refused naming jobId", async () => {
    expect(await getJobStatus(new S3AuditTrail(t.clients.s3, bucket), "NEVER_SUBMITTED")).toBeUndefined();
    const error = await getJobStatus(new S3AuditTrail(t.clients.s3, bucket), "../audit").catch((e) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fields).toEqual(["jobId"]);
  });

  it("folds a retried job: running with attempts, then failed with the final error", async () => {
    const jobId = "ST_RETRY";
    await audit(startedOf(jobId, 1, "2025-08-03T10:00:00Z"));
    await audit(failedOf(jobId, 1, false, "2025-08-03T10:00:01Z"));
    await audit(startedOf(jobId, 2, "2025-08-03T10:00:03Z"));
    // Another job whose id starts with this one's: must not leak into its listing.
    await audit(startedOf(`${jobId}_2`, 1, "2025-08-03T10:00:00Z"));

    const running = await getJobStatus(new S3AuditTrail(t.clients.s3, bucket), jobId);
    await audit(failedOf(jobId, 2, true, "2025-08-03T10:00:04Z"));
    const failed = await getJobStatus(new S3AuditTrail(t.clients.s3, bucket), jobId);

    expect(running).toMatchObject({
      state: "running",
      attempts: 2,
      error: { code: "WAREHOUSE_UNAVAILABLE" },
    });
    expect(running?.events).toHaveLength(3);
    expect(failed).toMatchObject({
      jobId,
      reportType: "sales",
      state: "failed",
      attempts: 2,
      timestamps: { started: "2025-08-03T10:00:00Z", failed: "2025-08-03T10:00:04Z" },
      error: { code: "WAREHOUSE_UNAVAILABLE", message: "attempt 2: no answer", retryable: true },
    });
  });

  it("an object under the job's prefix that is not an audit record fails loudly, naming its key", async () => {
    const jobId = "ST_CORRUPT";
    await audit(startedOf(jobId, 1, "2025-08-03T10:00:00Z"));
    const key = `${auditJobPrefix(jobId)}20250803T100001000Z_ReportFailed_${eventIdFor(jobId, DetailType.ReportFailed, 1)}.json`;
    await t.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "{not json" }));

    const error = await getJobStatus(new S3AuditTrail(t.clients.s3, bucket), jobId).catch((e) => e);

    expect(error).toBeInstanceOf(AuditRecordInvalidError);
    expect((error as Error).message).toContain(key);
  });

  it("replay rebuilds a deleted index byte for byte, including a report organized after midnight", async () => {
    const day = "2025-06-10";
    const reports = [
      reportOf("RP_A", `${day}T08:00:00.000Z`, `${day}T08:00:02Z`, "sales"),
      reportOf("RP_B", `${day}T12:30:00.000Z`, `${day}T12:30:01Z`, "data_quality"),
      // Generated before midnight, organized after: audited under the next day, indexed under this one.
      reportOf("RP_C", `${day}T23:59:59.500Z`, "2025-06-11T00:00:01Z", "sales"),
    ];
    for (const r of reports) {
      await audit(r.generated);
      await audit(r.organized);
      await recordInIndexes(t.clients.s3, bucket, r.entry); // what the organizer did
    }
    const dayKey = indexKey(`${day}T00:00:00Z`);
    const before = await text(dayKey);
    const salesBefore = await text(latestPointerKey("sales"));
    expect(JSON.parse(before ?? "{}").count).toBe(3);

    const healthy = await replayAuditTrail(s3StatusPorts(t.clients.s3, bucket), { from: day, to: day });
    await t.clients.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: dayKey }));
    await t.clients.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: latestPointerKey("sales") }));
    const dry = await replayAuditTrail(s3StatusPorts(t.clients.s3, bucket), {
      from: day,
      to: day,
      dryRun: true,
    });
    const stillMissing = await text(dayKey).catch(() => undefined);
    const rebuilt = await replayAuditTrail(s3StatusPorts(t.clients.s3, bucket), { from: day, to: day });
    const again = await replayAuditTrail(s3StatusPorts(t.clients.s3, bucket), { from: day, to: day });

    expect(healthy).toMatchObject({ daysScanned: 2, events: 3, entries: 3, changed: 0 });
    expect(dry).toMatchObject({ dryRun: true, changed: 2 });
    expect(stillMissing).toBeUndefined();
    expect(rebuilt.changedKeys.sort()).toEqual([dayKey, latestPointerKey("sales")].sort());
    expect(await text(dayKey)).toBe(before);
    expect(await text(latestPointerKey("sales"))).toBe(salesBefore);
    expect(again.changed).toBe(0);
  });
});
