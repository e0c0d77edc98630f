/**
 * The typed producer client for the jobs queue. Fills `requestedAt` / `requestedBy` when the caller left
 * them out, validates every job with the job schema (an invalid job never reaches the queue), and sends
 * with the `reportType` and `schemaVersion` message attributes (the message itself: report-job-message.ts;
 * the batch retry rounds: batch-send.ts).
 *
 * @example
 * ```ts
 * import { SQSClient } from "@aws-sdk/client-sqs";
 * import { submitReportJob } from "#events/submit-report-job.js";
 * const { messageId } = await submitReportJob(new SQSClient({}), queueUrl, {
 *   jobId: "SALES_2025_07", reportType: "sales", parameters: { from: "2025-07-01", to: "2025-07-31" },
 * });
 * ```
 */

import {
  type MessageAttributeValue,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { classifyAwsError } from "./aws-errors.js";
import { type EntryError, type EntryResult, sendInBatches } from "./batch-send.js";
import { JobSubmitError, ValidationError } from "./errors.js";
import { SCHEMA_VERSION } from "./names.js";
import { parseWith, type ReportJob } from "./report-job.schema.js";
import {
  jobMessageAttributes,
  jobMessageBody,
  type PrepareOptions,
  prepareReportJob,
  type ReportJobDraft,
} from "./report-job-message.js";
import { ScheduledRunMessageSchema } from "./schedule.schema.js";

export {
  DEFAULT_REQUESTED_BY,
  jobMessageAttributes,
  jobMessageBody,
  type PrepareOptions,
  prepareReportJob,
  type ReportJobDraft,
} from "./report-job-message.js";

/** SendMessageBatch accepts at most this many entries. */
export const SEND_MESSAGE_BATCH_MAX = 10;

export interface SubmitOptions extends PrepareOptions {
  /** Batch calls per job before reporting it failed (default 4). */
  maxAttempts?: number;
  /** First backoff delay in ms (default 100), doubling per retry with jitter. */
  baseDelayMs?: number;
  /** Largest backoff delay in ms (default 2000). */
  maxDelayMs?: number;
}

export interface SubmittedJob {
  index: number;
  jobId: string;
  status: "sent";
  messageId: string;
  /** The job as sent, defaults applied. */
  job: ReportJob;
  attempts: number;
}

export interface FailedJob {
  index: number;
  jobId: string;
  status: "failed";
  error: { code: string; message: string; senderFault: boolean };
  job: ReportJob;
  attempts: number;
}

export type JobSubmission = SubmittedJob | FailedJob;

export interface BatchSubmitResult {
  /** One entry per input job, in input order. */
  results: JobSubmission[];
  sent: number;
  failed: number;
}

/** An SQS failure as the submit results report it (read through the one AWS error mapper). */
const awsErrorOf = (error: unknown) => {
  const facts = classifyAwsError(error);
  return {
    code: facts.awsCode,
    message: error instanceof Error ? error.message : String(error),
    senderFault: !facts.retryable,
  };
};

/**
 * Validates and sends one job. Returns the SQS message id and the job as sent; throws ValidationError
 * (nothing sent) or JobSubmitError (SQS refused it after the SDK's own retries).
 *
 * @example
 * ```ts
 * const { messageId, job } = await submitReportJob(sqs, queueUrl, {
 *   jobId: "SALES_2025_07", reportType: "sales", format: "csv",
 *   parameters: { from: "2025-07-01", to: "2025-07-31" },
 * }, { requestedBy: "billing-service" });
 * ```
 */
export async function submitReportJob(
  sqs: SQSClient,
  queueUrl: string,
  draft: ReportJobDraft,
  options: SubmitOptions = {},
): Promise<{ messageId: string; job: ReportJob }> {
  const job = prepareReportJob(draft, options);
  const messageId = await sendOne(
    sqs,
    queueUrl,
    jobMessageBody(job),
    jobMessageAttributes(job),
    `job ${job.jobId}`,
    job.jobId,
  );
  return { messageId, job };
}

/** One SendMessage; an SQS refusal becomes a JobSubmitError naming `what`. */
async function sendOne(
  sqs: SQSClient,
  queueUrl: string,
  body: string,
  attributes: Record<string, MessageAttributeValue>,
  what: string,
  jobId: string,
): Promise<string> {
  try {
    const out = await sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, MessageAttributes: attributes }),
    );
    if (!out.MessageId) throw new Error("SendMessage returned no MessageId");
    return out.MessageId;
  } catch (error) {
    const e = awsErrorOf(error);
    throw new JobSubmitError(
      `${what} not submitted to ${queueUrl}: ${e.code}: ${e.message}`,
      { jobId, awsCode: e.code, retryable: !e.senderFault },
      { cause: error },
    );
  }
}

/**
 * Validates and sends one scheduled run (what a schedule sends when it fires; `reports schedule run-now`
 * and `backfill`, and the local schedule runner, send the same). The worker derives the run's job.
 *
 * @example
 * ```ts
 * await submitScheduledRun(sqs, queueUrl, scheduledRunOf(schedule, new Date()));
 * ```
 */
export async function submitScheduledRun(
  sqs: SQSClient,
  queueUrl: string,
  message: unknown,
): Promise<{ messageId: string }> {
  const { scheduledRun } = parseWith(ScheduledRunMessageSchema, message, "scheduled run");
  const attributes = {
    reportType: { DataType: "String", StringValue: scheduledRun.job.reportType },
    schemaVersion: { DataType: "String", StringValue: SCHEMA_VERSION },
  };
  const what = `scheduled run of ${scheduledRun.schedule} at ${scheduledRun.scheduledTime}`;
  const body = JSON.stringify({ scheduledRun });
  return { messageId: await sendOne(sqs, queueUrl, body, attributes, what, scheduledRun.schedule) };
}

/**
 * Validates all jobs, then sends them with SendMessageBatch in chunks of 10. Entries SQS fails for a
 * server-side reason are resent with backoff up to `maxAttempts`; what still fails (or failed through the
 * sender's fault) is reported per job in the result rather than thrown, so the caller knows exactly which
 * jobs to resubmit. One invalid job throws a ValidationError naming `jobs[i].<field>` and nothing is sent.
 *
 * @example
 * ```ts
 * const { results, failed } = await submitReportJobs(sqs, queueUrl, drafts);
 * for (const r of results) if (r.status === "failed") console.error(r.jobId, r.error.code);
 * ```
 */
export async function submitReportJobs(
  sqs: SQSClient,
  queueUrl: string,
  drafts: readonly ReportJobDraft[],
  options: SubmitOptions = {},
): Promise<BatchSubmitResult> {
  const now = options.now?.() ?? new Date();
  const jobs = drafts.map((draft, index) => {
    try {
      return prepareReportJob(draft, { ...options, now: () => now });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      throw new ValidationError(`jobs[${index}]: ${error.message}`, {
        fields: error.fields.map((f) => `jobs[${index}].${f}`),
        cause: error,
      });
    }
  });

  const outcomes = await sendInBatches(jobs.length, {
    plan: (pending) => ({
      batches: Array.from({ length: Math.ceil(pending.length / SEND_MESSAGE_BATCH_MAX) }, (_, b) =>
        pending.slice(b * SEND_MESSAGE_BATCH_MAX, (b + 1) * SEND_MESSAGE_BATCH_MAX),
      ),
    }),
    send: (batch) => sendBatch(sqs, queueUrl, batch, jobs),
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
    ...(options.baseDelayMs !== undefined ? { baseDelayMs: options.baseDelayMs } : {}),
    ...(options.maxDelayMs !== undefined ? { maxDelayMs: options.maxDelayMs } : {}),
  });

  const results = outcomes.map((outcome, index): JobSubmission => {
    const job = jobs[index] as ReportJob;
    const facts = { index, jobId: job.jobId, job, attempts: outcome.attempts };
    if (outcome.ok) return { ...facts, status: "sent", messageId: outcome.value };
    const { code, message, retryable } = outcome.error;
    return { ...facts, status: "failed", error: { code, message, senderFault: !retryable } };
  });
  const sent = results.filter((r) => r.status === "sent").length;
  return { results, sent, failed: results.length - sent };
}

/** One SendMessageBatch of `batch` (job indexes): each entry's message id or error. */
async function sendBatch(
  sqs: SQSClient,
  queueUrl: string,
  batch: number[],
  jobs: readonly ReportJob[],
): Promise<EntryResult<string>[]> {
  // Entry ids are positions, not jobIds: jobIds may be longer than the 80 characters SQS allows.
  const entries = batch.map((index) => {
    const job = jobs[index] as ReportJob;
    return {
      Id: `j${index}`,
      MessageBody: jobMessageBody(job),
      MessageAttributes: jobMessageAttributes(job),
    };
  });
  try {
    const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    const byId = new Map<string, EntryResult<string>>();
    for (const ok of out.Successful ?? []) {
      if (ok.Id && ok.MessageId) byId.set(ok.Id, { ok: true, value: ok.MessageId });
    }
    for (const bad of out.Failed ?? []) {
      const error = { code: bad.Code ?? "Unknown", message: bad.Message ?? "", retryable: !bad.SenderFault };
      if (bad.Id) byId.set(bad.Id, { ok: false, error });
    }
    const missing: EntryError = {
      code: "NoResult",
      message: "SendMessageBatch did not report this entry",
      retryable: true,
    };
    return entries.map((e) => byId.get(e.Id) ?? { ok: false, error: missing });
  } catch (error) {
    // The SDK already retried throttling and 5xx; what reaches here (missing queue, access denied,
    // network down) would fail the same way again, so every job of the chunk is reported.
    const e = awsErrorOf(error);
    const failure = { code: e.code, message: e.message, retryable: !e.senderFault, resend: false };
    return entries.map(() => ({ ok: false, error: failure }));
  }
}
