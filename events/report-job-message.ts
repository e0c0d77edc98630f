/**
 * A report job on the wire: the draft a producer writes, how the client completes and validates it, and
 * the SQS body and message attributes it travels with. Pure (no SQS client); the producer client
 * (submit-report-job.ts) and anything else that enqueues jobs build messages with these.
 */
import { createHash } from "node:crypto";
import type { MessageAttributeValue } from "@aws-sdk/client-sqs";
import { SCHEMA_VERSION } from "./names.js";
import { parseReportJob, type ReportJob, type ReportJobInput } from "./report-job.schema.js";

/** `requestedBy` when neither the job nor the options name one. */
export const DEFAULT_REQUESTED_BY = "report-pipeline-client";

/** A job as a producer writes it: `requestedAt` and `requestedBy` may be left for the client to fill. */
export type ReportJobDraft = ReportJobInput extends infer J
  ? J extends unknown
    ? Omit<J, "requestedAt" | "requestedBy"> & { requestedAt?: string; requestedBy?: string }
    : never
  : never;

/** How a draft is completed: who requested it and the clock for `requestedAt`. */
export interface PrepareOptions {
  /** `requestedBy` for jobs that have none (default {@link DEFAULT_REQUESTED_BY}). */
  requestedBy?: string;
  /** Clock for `requestedAt` (tests pin it). */
  now?: () => Date;
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
export function prepareReportJob(draft: ReportJobDraft, options: PrepareOptions = {}): ReportJob {
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

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * What makes a job *this* job, beyond its id: a sha256 over its report type, parameters (defaults
 * applied), format, requestedAt (as an instant) and delivery, in canonical JSON. The same job sent twice
 * has the same hash; a different job reusing the id has another, and the worker rejects it
 * (`JOB_ID_CONFLICT`). `requestedBy` and `correlationId` are bookkeeping and do not count.
 *
 * @example
 * ```ts
 * jobContentHash(prepareReportJob(draft)) === jobContentHash(prepareReportJob(draft)); // true
 * ```
 */
export function jobContentHash(job: ReportJob): string {
  const identity = {
    reportType: job.reportType,
    parameters: job.parameters,
    format: job.format,
    requestedAt: new Date(job.requestedAt).toISOString(),
    delivery: job.delivery,
  };
  return createHash("sha256").update(canonicalJson(identity), "utf8").digest("hex");
}
