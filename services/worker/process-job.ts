/**
 * What the worker does with one jobs-queue message, as a pure function of its ports:
 *
 *   validate → claim the job id (one conditional write recording the job's content hash, never rewritten)
 *     · id held by a different job → ReportRejected JOB_ID_CONFLICT, delete (the first job is untouched)
 *     · id held by this job and its report stored → re-emit ReportGenerated from the object, no query
 *   → run the report → spool + hash (or the warehouse writes the spool file itself) → put under generated/
 *     (first writer wins)
 *   → ReportGenerated + ReportStarted in one PutEvents → delete.
 *
 * ReportStarted waits `startedDelayMs` (1 s) for the report: a job done by then sends both events in one
 * request; a longer one sends ReportStarted when the second is up, while its query runs. In one request
 * the outcome goes first: EventBridge guarantees no order between entries (status folds any order), and
 * the bus routes entries in turn, so the event subscribers wait for reaches them one routing sooner.
 *
 * Failure policy (DESIGN.md "Failures have a home"): a body that is not a job → ReportRejected, delete;
 * a non-retryable error → final ReportFailed, delete; a retryable error → ReportFailed (not final) and
 * redelivery after a visibility that grows with attempts; on the last attempt the final ReportFailed is
 * emitted and the message released so the redrive policy moves it to the DLQ.
 */
import type { Message } from "@aws-sdk/client-sqs";
import { z } from "zod";
import { eventErrorOf } from "#events/error-codes.js";
import { toPipelineError, ValidationError } from "#events/errors.js";
import type { PublishableEvent } from "#events/event-publisher.js";
import { DetailType, SCHEMA_VERSION } from "#events/names.js";
import { eventIdFor, EVENT_TEXT_LIMITS as L, truncateBody } from "#events/report-events.schema.js";
import {
  JobIdSchema,
  parseReportJob,
  REPORT_TYPES,
  type ReportJob,
  type ReportType,
} from "#events/report-job.schema.js";
import { jobContentHash } from "#events/report-job-message.js";
import { generatedKey, reportKey } from "#events/s3-layout.js";
import { isScheduledRunMessage, jobOfScheduledRun } from "#events/schedule.schema.js";
import type { GeneratedReport } from "#services/reports/generate-report.js";
import type { Warehouse } from "#services/reports/warehouse.port.js";
import type { BatchEventSink } from "#services/shared/event-sink.js";
import type { Logger } from "#services/shared/logger.js";
import { emitMetrics, WORKER_METRICS, type WorkerOutcome } from "#services/shared/metrics.js";
import { backoffSeconds, type HandlerOutcome } from "#services/shared/queue-consumer.js";
import { receiveCountOf } from "#services/shared/queues.js";
import type { JobClaim, JobClaims } from "./job-claims.port.js";
import type { ReportStore, StoredReportFacts } from "./report-store.port.js";
import { describeFile, removeTempFile, spoolReport, tempFilePath } from "./temp-file.js";

export type { BatchEventSink } from "#services/shared/event-sink.js";

export type GenerateFn = (
  job: ReportJob,
  warehouse: Warehouse,
  options: { generatedAt: Date; timeoutMs?: number },
) => Promise<GeneratedReport>;

export interface JobProcessorDeps {
  warehouse: Warehouse;
  store: ReportStore;
  claims: JobClaims;
  events: BatchEventSink;
  generate: GenerateFn;
  logger: Logger;
  /** Receives after which the queue's redrive policy dead-letters a message. */
  maxReceiveCount: number;
  /** First retry delay; doubles per attempt. */
  retryBaseSeconds: number;
  queryTimeoutMs?: number;
  /** How long ReportStarted waits to travel with the job's outcome event (default 1000 ms). */
  startedDelayMs?: number;
  tmpDir?: string;
  clock?: () => Date;
  /** Emit EMF metrics lines (off in tests that capture stdout). */
  metrics?: boolean;
  /**
   * The secret that keys the job ids of scheduled runs (JOB_ID_KEY). Without it a scheduled-run message is
   * rejected: a random key would give each worker task other ids for one run.
   */
  jobIdKey?: string;
}

type JobCommon = Pick<ReportJob, "jobId" | "reportType" | "correlationId">;

export async function processJobMessage(message: Message, deps: JobProcessorDeps): Promise<HandlerOutcome> {
  const attempt = receiveCountOf(message);
  const messageId = message.MessageId ?? "unknown";
  const log = deps.logger.child({ messageId, attempt });

  // 1. Is it a job at all?
  const read = readJobMessage(message.Body ?? "", deps.jobIdKey);
  if (!read.ok) return reject(read, messageId, deps, log);
  const { job } = read;
  const jlog = log.child({ jobId: job.jobId, correlationId: job.correlationId, reportType: job.reportType });
  const key = generatedKey(job);

  const now = deps.clock ?? (() => new Date());

  // 2. Claim the id: one conditional write. Held already: by another job (conflict), or by this one
  // (a redelivery, a retry, the same message sent twice), done or not.
  const claim: JobClaim = {
    jobId: job.jobId,
    contentHash: jobContentHash(job),
    claimedAt: now().toISOString(),
  };
  const claimed = await deps.claims.claim(claim);
  if (!claimed.claimed) {
    const { existing } = claimed;
    if (existing.contentHash !== claim.contentHash) {
      return conflict(job, claim.contentHash, messageId, message.Body ?? "", deps, jlog);
    }
    // An earlier receive stored the report (look where it is: under generated/ or, once organized, at its
    // canonical key): re-emit. Otherwise it stopped before storing, or failed and was retried: run it.
    const stored = (await deps.store.head(key)) ?? (await deps.store.head(reportKey(job)));
    if (stored) {
      await deps.events.publish(generatedEvent(job, deps.store.bucket, key, stored));
      jlog.info("report already stored; event re-emitted without a query", { key });
      return { action: "delete" };
    }
  }

  // 3. Run it: generate, spool and store (or the failure policy), ReportStarted on the way.
  const startedAt = now();
  const stored = await runAndStore(job, attempt, key, startedAt, deps, jlog);
  if (!stored.ok) return stored.outcome;

  // 4. Outside the failure policy on purpose: if PutEvents fails now, the message is not deleted and the
  // retry finds the object and only re-emits the event.
  const { facts } = stored;
  await deps.events.publishAll([generatedEvent(job, deps.store.bucket, key, facts), ...stored.unsent]);
  jlog.info("report generated", {
    key,
    rows: facts.rowCount,
    bytes: facts.sizeBytes,
    durationMs: facts.durationMs,
  });
  metric(
    deps,
    "generated",
    { durationMs: facts.durationMs, rows: facts.rowCount, bytes: facts.sizeBytes },
    job.jobId,
  );
  return { action: "delete" };
}

type ReadJob =
  | { ok: true; job: ReportJob }
  | { ok: false; error: ValidationError; body: unknown; raw: string };

/**
 * Parses and validates a message body; a body that is not a job comes back with its ValidationError. A
 * scheduled run (`{"scheduledRun": ...}`, what a schedule sends) becomes the job it stands for.
 */
export function readJobMessage(raw: string, jobIdKey?: string): ReadJob {
  let body: unknown;
  try {
    try {
      body = JSON.parse(raw);
    } catch (error) {
      // No cause: JSON.parse's message quotes the start of the body, which may hold anything.
      throw new ValidationError(`message body is not valid JSON (${(error as Error).name})`, {
        fields: ["(body)"],
      });
    }
    if (isScheduledRunMessage(body)) {
      if (!jobIdKey)
        throw new ValidationError(
          "scheduledRun: this worker has no JOB_ID_KEY, so it cannot derive the run's job id",
          { fields: ["scheduledRun"] },
        );
      return { ok: true, job: jobOfScheduledRun(body, jobIdKey) };
    }
    return { ok: true, job: parseReportJob(body) };
  } catch (error) {
    const v = error instanceof ValidationError ? error : new ValidationError(String(error));
    return { ok: false, error: v, body, raw };
  }
}

/** A valid job whose id another job holds: ReportRejected JOB_ID_CONFLICT, delete; nothing else is touched. */
async function conflict(
  job: ReportJob,
  contentHash: string,
  messageId: string,
  raw: string,
  deps: JobProcessorDeps,
  log: Logger,
): Promise<HandlerOutcome> {
  const reason = `jobId: "${job.jobId}" is already used by a job with different content (type, parameters, format, requestedAt or delivery); that job is unaffected; submit this one under a new jobId`;
  await deps.events.publish({
    detailType: DetailType.ReportRejected,
    detail: {
      schemaVersion: SCHEMA_VERSION,
      // per content: two different jobs squatting on one id are two rejections; the same one sent twice, one
      eventId: eventIdFor(`${job.jobId}:${contentHash}`, DetailType.ReportRejected),
      ...commonOf(job),
      code: "JOB_ID_CONFLICT",
      reason,
      issues: [{ field: "jobId", message: "already used by a job with different content" }],
      messageId,
      ...truncateBody(raw),
    },
  });
  log.warn("job rejected: job id already used by a different job", { code: "JOB_ID_CONFLICT" });
  metric(deps, "rejected", { durationMs: 0, rows: 0, bytes: 0 }, job.jobId);
  return { action: "delete" };
}

/** Pulls what can be trusted out of a body that failed validation (for the rejection event). */
function salvage(body: unknown): { jobId?: string; reportType?: ReportType; correlationId?: string } {
  if (typeof body !== "object" || body === null) return {};
  const b = body as Record<string, unknown>;
  const out: { jobId?: string; reportType?: ReportType; correlationId?: string } = {};
  if (JobIdSchema.safeParse(b.jobId).success) out.jobId = b.jobId as string;
  if ((REPORT_TYPES as readonly unknown[]).includes(b.reportType))
    out.reportType = b.reportType as ReportType;
  // Same bounds as the event schema's correlationId: an empty one made the ReportRejected itself invalid,
  // so the message was never deleted and looped into the DLQ without any event.
  if (typeof b.correlationId === "string" && b.correlationId.length >= 1 && b.correlationId.length <= 256)
    out.correlationId = b.correlationId;
  return out;
}

/** A body that is not a job: ReportRejected (bounded: reason, first 100 issues, truncated body), delete. */
async function reject(
  read: Extract<ReadJob, { ok: false }>,
  messageId: string,
  deps: JobProcessorDeps,
  log: Logger,
): Promise<HandlerOutcome> {
  const v = read.error;
  const known = salvage(read.body);
  const issues =
    v.cause instanceof z.ZodError
      ? v.cause.issues.slice(0, L.rejectionIssues).map((i) => ({
          field: (i.path.map(String).join(".") || "(root)").slice(0, L.issueFieldChars),
          message: i.message.slice(0, L.issueMessageChars),
        }))
      : v.fields.slice(0, L.rejectionIssues).map((field) => ({
          field: field.slice(0, L.issueFieldChars),
          message: v.message.slice(0, L.issueMessageChars),
        }));
  await deps.events.publish({
    detailType: DetailType.ReportRejected,
    detail: {
      schemaVersion: SCHEMA_VERSION,
      eventId: eventIdFor(known.jobId ?? `message-${messageId}`, DetailType.ReportRejected),
      ...known,
      reason: v.message.slice(0, L.reasonChars),
      issues,
      messageId,
      ...truncateBody(read.raw),
    },
  });
  // The reason, bounded; not the error with its cause (a zod error can run to megabytes on a huge body).
  log.warn("message rejected", { ...known, reason: v.message.slice(0, 1000), fields: v.fields.slice(0, 20) });
  metric(deps, "rejected", { durationMs: 0, rows: 0, bytes: 0 }, known.jobId);
  return { action: "delete" };
}

/** The report's summary, or `{ _truncated: true }` when its JSON is over the event's budget. */
const boundedSummary = (summary: Record<string, unknown>) =>
  Buffer.byteLength(JSON.stringify(summary), "utf8") <= L.summaryBytes ? summary : { _truncated: true };

const commonOf = (job: JobCommon) => ({
  jobId: job.jobId,
  reportType: job.reportType,
  ...(job.correlationId ? { correlationId: job.correlationId } : {}),
});

/** The ReportGenerated of a stored report. */
function generatedEvent(job: ReportJob, bucket: string, key: string, facts: StoredReportFacts) {
  return {
    detailType: DetailType.ReportGenerated,
    detail: {
      schemaVersion: SCHEMA_VERSION,
      eventId: eventIdFor(job.jobId, DetailType.ReportGenerated),
      ...commonOf(job),
      bucket,
      key,
      uri: `s3://${bucket}/${key}`,
      format: facts.format,
      sizeBytes: facts.sizeBytes,
      sha256: facts.sha256,
      rowCount: facts.rowCount,
      queryIds: facts.queryIds,
      durationMs: facts.durationMs,
      generatedAt: facts.generatedAt,
      summary: boundedSummary(facts.summary),
      attempt: facts.attempt,
      ...(job.delivery ? { delivery: job.delivery } : {}),
    },
  } as const;
}

/** How long ReportStarted waits, by default, to go out in one request with the job's outcome event. */
export const STARTED_DELAY_MS = 1000;

/**
 * A job's ReportStarted, held back for `delayMs`: a job done sooner sends it in the same PutEvents as its
 * ReportGenerated (or ReportFailed); a longer one sends it when the delay is up, while the query runs, so
 * status shows the job running.
 */
class DeferredStarted {
  private sent: Promise<unknown> | undefined;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly event: PublishableEvent,
    private readonly events: BatchEventSink,
    delayMs: number,
  ) {
    if (delayMs <= 0) this.send();
    else this.timer = setTimeout(() => this.send(), delayMs);
  }

  private send(): void {
    this.sent = this.events.publish(this.event);
    this.sent.catch(() => undefined); // observed in settle; keeps an early rejection from being "unhandled"
  }

  /**
   * Stops the wait. Resolves to the events still to send with the outcome: ReportStarted, or nothing once it
   * went out (awaited first, so a failure to publish it fails this attempt as any other failure does).
   */
  async settle(): Promise<PublishableEvent[]> {
    clearTimeout(this.timer);
    if (this.sent === undefined) return [this.event];
    await this.sent;
    return [];
  }
}

/**
 * The report: generate, spool to a temp file (hashing it), put under `generated/` (first writer wins), with
 * ReportStarted on the way (DeferredStarted). The stored facts and the events still to send with
 * ReportGenerated, or the outcome the failure policy chose.
 */
async function runAndStore(
  job: ReportJob,
  attempt: number,
  key: string,
  startedAt: Date,
  deps: JobProcessorDeps,
  jlog: Logger,
): Promise<
  { ok: true; facts: StoredReportFacts; unsent: PublishableEvent[] } | { ok: false; outcome: HandlerOutcome }
> {
  const started = new DeferredStarted(
    {
      detailType: DetailType.ReportStarted,
      detail: {
        schemaVersion: SCHEMA_VERSION,
        eventId: eventIdFor(job.jobId, DetailType.ReportStarted, attempt),
        ...commonOf(job),
        attempt,
        startedAt: startedAt.toISOString(),
        requestedBy: job.requestedBy,
      },
    },
    deps.events,
    deps.startedDelayMs ?? STARTED_DELAY_MS,
  );
  jlog.info("job started", { key });

  // the spool file, removed in `finally` whatever happened (a warehouse-written one may be partly there)
  let spooled: { path: string } | undefined;
  try {
    const report = await deps.generate(job, deps.warehouse, {
      generatedAt: startedAt,
      ...(deps.queryTimeoutMs ? { timeoutMs: deps.queryTimeoutMs } : {}),
    });
    let file: Awaited<ReturnType<typeof spoolReport>>;
    if (report.kind === "file") {
      spooled = { path: await tempFilePath(job.jobId, deps.tmpDir) };
      await report.writeTo(spooled.path);
      file = await describeFile(spooled.path);
    } else {
      // a small report stays in memory; a larger one is spooled to a file
      file = await spoolReport(report.body, job.jobId, deps.tmpDir);
      if ("path" in file) spooled = file;
    }
    const unsent = await started.settle();
    const stats = report.stats();
    const facts: StoredReportFacts = {
      sha256: file.sha256,
      sizeBytes: file.sizeBytes,
      rowCount: stats.rowCount,
      queryIds: stats.queryIds,
      summary: stats.summary,
      generatedAt: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
      format: job.format,
      contentType: report.contentType,
      attempt,
    };
    if ((await deps.store.putIfAbsent(key, file, facts)) === "exists") {
      // A concurrent run of the same job won the race; its object is the report.
      jlog.info("another run stored this report first; using its object", { key });
      return { ok: true, facts: (await deps.store.head(key)) ?? facts, unsent };
    }
    return { ok: true, facts, unsent };
  } catch (error) {
    // ReportFailed goes with this attempt's ReportStarted, or after it; rethrows if that failed
    const unsent = await started.settle();
    return { ok: false, outcome: await fail(job, attempt, error, deps, jlog, startedAt, unsent) };
  } finally {
    await removeTempFile(spooled);
  }
}

/** The failure policy: ReportFailed, then delete (not retryable), release (last attempt) or retry later. */
async function fail(
  job: ReportJob,
  attempt: number,
  error: unknown,
  deps: JobProcessorDeps,
  log: Logger,
  startedAt: Date,
  unsent: readonly PublishableEvent[],
): Promise<HandlerOutcome> {
  const e = toPipelineError(error);
  const lastAttempt = attempt >= deps.maxReceiveCount;
  const final = !e.retryable || lastAttempt;
  await deps.events.publishAll([
    {
      detailType: DetailType.ReportFailed,
      detail: {
        schemaVersion: SCHEMA_VERSION,
        eventId: eventIdFor(job.jobId, DetailType.ReportFailed, attempt),
        ...commonOf(job),
        error: eventErrorOf({
          ...e,
          fields: e instanceof ValidationError ? e.fields : [],
          queryId: e.queryId,
        }),
        attempt,
        final,
        ...(job.delivery ? { delivery: job.delivery } : {}),
      },
    },
    ...unsent,
  ]);
  const durationMs = Date.now() - startedAt.getTime();
  if (!e.retryable) {
    log.error("job failed (not retryable)", { error: e });
    metric(deps, "failed", { durationMs, rows: 0, bytes: 0 }, job.jobId);
    return { action: "delete" };
  }
  if (lastAttempt) {
    // Released now, the next receive hits maxReceiveCount and SQS moves the message to the DLQ.
    log.error("job failed on its last attempt; leaving it to the DLQ", { error: e });
    metric(deps, "dead-lettered", { durationMs, rows: 0, bytes: 0 }, job.jobId);
    return { action: "release" };
  }
  const visibilityTimeoutSeconds = backoffSeconds(attempt, deps.retryBaseSeconds);
  log.warn("job failed; will retry", { error: e, retryInSeconds: visibilityTimeoutSeconds });
  metric(deps, "retrying", { durationMs, rows: 0, bytes: 0 }, job.jobId);
  return { action: "retry", visibilityTimeoutSeconds };
}

function metric(
  deps: JobProcessorDeps,
  outcome: WorkerOutcome,
  m: { durationMs: number; rows: number; bytes: number },
  jobId: string | undefined,
) {
  if (deps.metrics === false) return;
  const { dimensions: d, names: n } = WORKER_METRICS;
  emitMetrics({
    dimensions: { [d.service]: WORKER_METRICS.service, [d.outcome]: outcome },
    metrics: {
      [n.duration]: { value: m.durationMs, unit: "Milliseconds" },
      [n.rows]: { value: m.rows, unit: "Count" },
      [n.bytes]: { value: m.bytes, unit: "Bytes" },
      [n.jobs]: { value: 1, unit: "Count" },
    },
    ...(jobId ? { properties: { jobId } } : {}),
  });
}
