/**
 * The typed producer client for the jobs queue. Fills `requestedAt` / `requestedBy` when the caller left
 * them out, validates every job with the job schema (an invalid job never reaches the queue), and sends
 * with the `reportType` and `schemaVersion` message attributes.
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
  type SendMessageBatchRequestEntry,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { classifyAwsError } from "./aws-errors.js";
import { backoffDelay } from "./backoff.js";
import { JobSubmitError, ValidationError } from "./errors.js";
import { SCHEMA_VERSION } from "./names.js";
import { parseReportJob, type ReportJob, type ReportJobInput } from "./report-job.schema.js";

/** SendMessageBatch accepts at most this many entries. */
export const SEND_MESSAGE_BATCH_MAX = 10;

/** `requestedBy` when neither the job nor the options name one. */
export const DEFAULT_REQUESTED_BY = "report-pipeline-client";

/** A job as a producer writes it: `requestedAt` and `requestedBy` may be left for the client to fill. */
export type ReportJobDraft = ReportJobInput extends infer J
  ? J extends unknown
    ? Omit<J, "requestedAt" | "requestedBy"> & { requestedAt?: string; requestedBy?: string }
    : never
  : never;

export interface SubmitOptions {
  /** `requestedBy` for jobs that have none (default {@link DEFAULT_REQUESTED_BY}). */
  requestedBy?: string;
  /** Clock for `requestedAt` (tests pin it). */
  now?: () => Date;
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

/**
 * Fills `requestedAt` (now) and `requestedBy` when absent, then validates; throws ValidationError naming
 * the field. Pure apart from the clock.
 *
 * @example
 * ```ts
 * const job = prepareReportJob({ jobId: "J1", reportType: "connectivity_test" }, { requestedBy: "cron" });
 * job.format; // "json" (default applied)
 * ```
 */
export function prepareReportJob(draft: ReportJobDraft, options: SubmitOptions = {}): ReportJob {
  // Untyped callers (the HTTP intake) may pass null, an array or a primitive: leave those to the schema,
  // which names "(root)", instead of failing on `draft.requestedAt` or spreading an array into index keys.
  if (typeof draft !== "object" || draft === null || Array.isArray(draft)) return parseReportJob(draft);
  const filled = {
    ...draft,
    requestedAt: draft.requestedAt ?? (options.now?.() ?? new Date()).toISOString(),
    requestedBy: draft.requestedBy ?? options.requestedBy ?? DEFAULT_REQUESTED_BY,
  };
  return parseReportJob(filled);
}

/** Characters outside what SQS accepts in a body (#x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF). */
const NOT_SQS_SAFE = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const hasNonSqsSafe = (text: string) => text.search(NOT_SQS_SAFE) !== -1;

/**
 * The SQS body of a job: its JSON, with every character SQS would refuse (e.g. U+FFFE, U+FFFF, which a
 * valid string field may hold and JSON.stringify leaves as is) written as a `\uXXXX` escape. The JSON means
 * the same, so the worker reads back exactly the job that was validated.
 *
 * @example
 * ```ts
 * jobMessageBody(job); // '{"jobId":"J1",...,"requestedBy":"a\\ufffeb"}' for requestedBy "a\ufffeb"
 * ```
 */
export function jobMessageBody(job: ReportJob): string {
  return JSON.stringify(job).replace(
    NOT_SQS_SAFE,
    (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`,
  );
}

/** The SQS message attributes of a job. */
export function jobMessageAttributes(job: ReportJob): Record<string, MessageAttributeValue> {
  return {
    reportType: { DataType: "String", StringValue: job.reportType },
    schemaVersion: { DataType: "String", StringValue: SCHEMA_VERSION },
    // A convenience copy of the body's correlationId: left out when SQS would refuse its characters (the
    // body carries it escaped), rather than failing the whole send.
    ...(job.correlationId && !hasNonSqsSafe(job.correlationId)
      ? { correlationId: { DataType: "String", StringValue: job.correlationId } }
      : {}),
  };
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
  try {
    const out = await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: jobMessageBody(job),
        MessageAttributes: jobMessageAttributes(job),
      }),
    );
    if (!out.MessageId) throw new Error("SendMessage returned no MessageId");
    return { messageId: out.MessageId, job };
  } catch (error) {
    const e = awsErrorOf(error);
    throw new JobSubmitError(
      `job ${job.jobId} not submitted to ${queueUrl}: ${e.code}: ${e.message}`,
      { jobId: job.jobId, awsCode: e.code, retryable: !e.senderFault },
      { cause: error },
    );
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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

  const maxAttempts = Math.max(1, options.maxAttempts ?? 4);
  const results: (JobSubmission | undefined)[] = new Array(jobs.length);
  const attempts = new Array<number>(jobs.length).fill(0);
  const fail = (index: number, error: FailedJob["error"]) => {
    const job = jobs[index] as ReportJob;
    results[index] = {
      index,
      jobId: job.jobId,
      status: "failed",
      error,
      job,
      attempts: attempts[index] ?? 0,
    };
  };

  let pending = jobs.map((_, index) => index);
  for (let round = 1; pending.length > 0; round++) {
    if (round > 1)
      await sleep(backoffDelay(round - 1, options.baseDelayMs ?? 100, options.maxDelayMs ?? 2000));
    const retry: number[] = [];
    for (let start = 0; start < pending.length; start += SEND_MESSAGE_BATCH_MAX) {
      const chunk = pending.slice(start, start + SEND_MESSAGE_BATCH_MAX);
      // Entry ids are positions, not jobIds: jobIds may be longer than the 80 characters SQS allows.
      const entries: SendMessageBatchRequestEntry[] = chunk.map((index) => {
        const job = jobs[index] as ReportJob;
        return {
          Id: `j${index}`,
          MessageBody: jobMessageBody(job),
          MessageAttributes: jobMessageAttributes(job),
        };
      });
      for (const index of chunk) attempts[index] = (attempts[index] ?? 0) + 1;
      try {
        const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
        const answered = new Set<number>();
        for (const ok of out.Successful ?? []) {
          const index = Number(ok.Id?.slice(1));
          const job = jobs[index];
          if (!job || !ok.MessageId) continue;
          answered.add(index);
          results[index] = {
            index,
            jobId: job.jobId,
            status: "sent",
            messageId: ok.MessageId,
            job,
            attempts: attempts[index] ?? 0,
          };
        }
        for (const bad of out.Failed ?? []) {
          const index = Number(bad.Id?.slice(1));
          if (!jobs[index]) continue;
          answered.add(index);
          const error = {
            code: bad.Code ?? "Unknown",
            message: bad.Message ?? "",
            senderFault: Boolean(bad.SenderFault),
          };
          if (!error.senderFault && (attempts[index] ?? 0) < maxAttempts) retry.push(index);
          else fail(index, error);
        }
        for (const index of chunk) {
          if (answered.has(index)) continue;
          const error = {
            code: "NoResult",
            message: "SendMessageBatch did not report this entry",
            senderFault: false,
          };
          if ((attempts[index] ?? 0) < maxAttempts) retry.push(index);
          else fail(index, error);
        }
      } catch (error) {
        // The SDK already retried throttling and 5xx; what reaches here (missing queue, access denied,
        // network down) would fail the same way again, so every job of the chunk is reported.
        for (const index of chunk) fail(index, awsErrorOf(error));
      }
    }
    pending = retry;
  }

  const done = results as JobSubmission[];
  const sent = done.filter((r) => r.status === "sent").length;
  return { results: done, sent, failed: done.length - sent };
}
