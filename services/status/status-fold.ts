/**
 * Job status as a pure fold over a job's audited events. No AWS, no clock: the same events give the same
 * status whatever order they are listed in, because the audit trail's time has only the precision of the
 * EventBridge envelope (seconds) and several events of a job often share one second.
 *
 * The state follows what is known to have happened, most advanced first:
 *
 *   notified   a ReportNotified receipt for the job's ReportOrganized exists
 *   organized  ReportOrganized (final key known)
 *   generated  ReportGenerated (the report exists under generated/)
 *   failed     a final ReportFailed, and no later attempt started
 *   running    ReportStarted, or only non-final ReportFailed (the job is being retried; `error` is the last one)
 *   rejected   only ReportRejected (the message could not be a job)
 *
 * A success outranks a failure: if the report was generated, it exists, whatever failed before.
 */
import { DetailType } from "#events/names.js";
import type {
  ReportEvent,
  ReportFailed,
  ReportNotified,
  ReportStarted,
} from "#events/report-events.schema.js";
import type { ReportType } from "#events/report-job.schema.js";

export const JOB_STATES = ["running", "generated", "organized", "notified", "failed", "rejected"] as const;
export type JobState = (typeof JOB_STATES)[number];

/** One audit record: the envelope's time, the event id and the validated detail. */
export type AuditedEvent = ReportEvent & { time: string; eventId: string };

export interface JobStatus {
  jobId: string;
  /** Absent only for a job known solely from a rejection that had no valid reportType. */
  reportType?: ReportType;
  state: JobState;
  /** Highest attempt the worker reported (0 when the job never started, e.g. rejected). */
  attempts: number;
  /** Who asked for the job (ReportStarted.requestedBy; absent until it started, or on older events). */
  requestedBy?: string;
  timestamps: {
    /** First ReportStarted.startedAt. */
    started?: string;
    /** ReportGenerated.generatedAt. */
    generated?: string;
    /** Time of the ReportOrganized event. */
    organized?: string;
    /** ReportNotified.notifiedAt of the latest receipt. */
    notified?: string;
    /** Time of the final ReportFailed event. */
    failed?: string;
    /** Time of the ReportRejected event. */
    rejected?: string;
  };
  finalKey?: string;
  generatedKey?: string;
  /** The final failure (state failed), the last failure of a job being retried (running), or the rejection. */
  error?: { code: string; message: string; retryable: boolean };
  /** Channels of the latest delivery receipt. */
  notification?: ReportNotified["channels"];
  /** Every audited event of the job, in pipeline order. */
  events: { time: string; detailType: DetailType; eventId: string }[];
}

/** Tie-break for events in the same instant: the order a job emits them. */
const PIPELINE_RANK: Record<DetailType, number> = {
  ReportRejected: 0,
  ReportStarted: 1,
  ReportFailed: 2,
  ReportGenerated: 3,
  ReportOrganized: 4,
  ReportNotified: 5,
};

const attemptOf = (e: AuditedEvent): number =>
  "attempt" in e.detail && typeof e.detail.attempt === "number" ? e.detail.attempt : 0;

function compareEvents(a: AuditedEvent, b: AuditedEvent): number {
  return (
    Date.parse(a.time) - Date.parse(b.time) ||
    PIPELINE_RANK[a.detailType] - PIPELINE_RANK[b.detailType] ||
    attemptOf(a) - attemptOf(b) ||
    a.eventId.localeCompare(b.eventId)
  );
}

const earliest = (values: string[]) =>
  values.reduce<string | undefined>((m, v) => (m && m <= v ? m : v), undefined);
const latest = (values: string[]) =>
  values.reduce<string | undefined>((m, v) => (m && m >= v ? m : v), undefined);

/** Folds a job's audited events into its status; undefined when there are none (the job is unknown). */
export function foldJobStatus(jobId: string, input: readonly AuditedEvent[]): JobStatus | undefined {
  // One record per event id (the auditor writes each once; a copy would not change the answer).
  const byId = new Map<string, AuditedEvent>();
  for (const e of input) if (!byId.has(e.eventId)) byId.set(e.eventId, e);
  const events = [...byId.values()].sort(compareEvents);
  if (events.length === 0) return undefined;

  const started: ReportStarted[] = [];
  const failures: (ReportFailed & { time: string })[] = [];
  const receipts: ReportNotified[] = [];
  let generated: Extract<AuditedEvent, { detailType: "ReportGenerated" }> | undefined;
  let organized: Extract<AuditedEvent, { detailType: "ReportOrganized" }> | undefined;
  let rejected: Extract<AuditedEvent, { detailType: "ReportRejected" }> | undefined;
  let reportType: ReportType | undefined;

  for (const e of events) {
    reportType ??= e.detail.reportType;
    switch (e.detailType) {
      case DetailType.ReportStarted:
        started.push(e.detail);
        break;
      case DetailType.ReportFailed:
        failures.push({ ...e.detail, time: e.time });
        break;
      case DetailType.ReportGenerated:
        generated ??= e;
        break;
      case DetailType.ReportOrganized:
        organized ??= e;
        break;
      case DetailType.ReportRejected:
        rejected ??= e;
        break;
      case DetailType.ReportNotified:
        receipts.push(e.detail);
        break;
    }
  }

  const attempts = Math.max(0, ...events.map(attemptOf));
  const lastStartedAttempt = Math.max(0, ...started.map((s) => s.attempt));
  const lastFailure = failures.reduce<(typeof failures)[number] | undefined>(
    (m, f) => (!m || f.attempt >= m.attempt ? f : m),
    undefined,
  );
  const finalFailure = failures.filter((f) => f.final).at(-1);
  const organizedReceipt = receipts.some((r) => r.forDetailType === DetailType.ReportOrganized);

  let state: JobState;
  if (organizedReceipt) state = "notified";
  else if (organized) state = "organized";
  else if (generated) state = "generated";
  else if (finalFailure && lastStartedAttempt <= finalFailure.attempt) state = "failed";
  else if (started.length > 0 || failures.length > 0) state = "running";
  else if (rejected) state = "rejected";
  // Only receipts are left (their events' audit records are missing): the receipt says what it was for.
  else if (receipts.some((r) => r.forDetailType === DetailType.ReportFailed)) state = "failed";
  else if (receipts.some((r) => r.forDetailType === DetailType.ReportRejected)) state = "rejected";
  else state = "running";

  const requestedBy = started.find((s) => s.requestedBy !== undefined)?.requestedBy;
  const timestamps: JobStatus["timestamps"] = {};
  const startedAt = earliest(started.map((s) => s.startedAt));
  if (startedAt) timestamps.started = startedAt;
  if (generated) timestamps.generated = generated.detail.generatedAt;
  if (organized) timestamps.organized = organized.time;
  const notifiedAt = latest(receipts.map((r) => r.notifiedAt));
  if (notifiedAt) timestamps.notified = notifiedAt;
  if (state === "failed" && finalFailure) timestamps.failed = finalFailure.time;
  if (rejected) timestamps.rejected = rejected.time;

  const status: JobStatus = {
    jobId,
    ...(reportType ? { reportType } : {}),
    state,
    attempts,
    ...(requestedBy ? { requestedBy } : {}),
    timestamps,
    ...(organized ? { finalKey: organized.detail.finalKey } : {}),
    ...(generated ? { generatedKey: generated.detail.key } : {}),
    events: events.map((e) => ({ time: e.time, detailType: e.detailType, eventId: e.eventId })),
  };
  if (state === "failed" && finalFailure) status.error = { ...finalFailure.error };
  else if (state === "running" && lastFailure) status.error = { ...lastFailure.error };
  else if (state === "rejected" && rejected) {
    const code = rejected.detail.code ?? "VALIDATION_FAILED";
    status.error = { code, message: rejected.detail.reason, retryable: false };
  }
  const lastReceipt = receipts.reduce<ReportNotified | undefined>(
    (m, r) => (!m || r.notifiedAt >= m.notifiedAt ? r : m),
    undefined,
  );
  if (lastReceipt) status.notification = lastReceipt.channels;
  return status;
}
