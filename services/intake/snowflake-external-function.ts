/**
 * The HTTP side of the Snowflake external function `submit_report(type, params [, options])`
 * (sql/operations/). Pure: no HTTP, no AWS; the worker's `POST /snowflake/submit` passes the parsed body
 * and a `submit` that enqueues one job.
 *
 * Snowflake's external-function batch format, both ways:
 *
 *   request   {"data": [[0, "sales", {"from": "2025-07-01", "to": "2025-07-31"}], [1, "data_quality", null]]}
 *   response  {"data": [[0, "sf-sales-3f2a…"], [1, {"error": {"code": "VALIDATION_FAILED", "message": "…", "fields": [...]}}]]}
 *
 * Every row gets an answer with its own row number, in request order. A row with bad input answers with an
 * error object naming the field; only an unreadable envelope fails the whole request (400). A submit that
 * fails retryably (queue unavailable) fails the whole batch so Snowflake retries it; the jobIds are
 * deterministic, so rows that were already queued map to the same jobs again.
 *
 * @example
 * ```ts
 * const out = await handleSnowflakeSubmit(body, (job) => submitReportJob(sqs, queueUrl, job));
 * ```
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { isPipelineError, ValidationError } from "#events/errors.js";
import {
  describeIssues,
  parseReportJob,
  REPORT_FORMATS,
  type ReportJobInput,
} from "#events/report-job.schema.js";
import { mapLimited } from "#services/shared/map-limited.js";
import { SnowflakeRequestError } from "./errors.js";

/** `requestedBy` of every job that comes from Snowflake. */
export const SNOWFLAKE_REQUESTED_BY = "snowflake";

/** Snowflake sends at most MAX_BATCH_ROWS per call (set on the external function, see sql/operations/). */
export const MAX_BATCH_ROWS = 500;

export type SubmitJob = (job: ReportJobInput) => Promise<{ jobId: string }>;

export interface RowError {
  error: { code: string; message: string; fields: string[] };
}

export type RowResult = string | RowError;

export interface SnowflakeResponse {
  data: [number, RowResult][];
}

export interface SnowflakeSubmitOptions {
  /** Clock for requestedAt and the jobId's date (tests pin it). */
  now?: () => Date;
  /** Rows submitted at once (default 8). */
  concurrency?: number;
}

const EnvelopeSchema = z.object(
  {
    data: z
      .array(z.array(z.unknown(), { error: "each row must be an array [rowNumber, type, params]" }), {
        error: "must be an array of rows",
      })
      .max(MAX_BATCH_ROWS, { error: `at most ${MAX_BATCH_ROWS} rows per batch` }),
  },
  { error: 'must be a JSON object {"data": [[rowNumber, type, params], ...]}' },
);

/** Per-row options (the optional third argument of `submit_report`). */
const RowOptionsSchema = z.strictObject({
  jobId: z.string().optional(),
  format: z.enum(REPORT_FORMATS).optional(),
  correlationId: z.string().optional(),
});

/** JSON with object keys sorted, so equal content hashes equally whatever order Snowflake serialises. */
function canonicalJson(value: unknown): string {
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
 * `sf-<type>-<hash>`: the same row content on the same UTC day is the same job, so a Snowflake retry of a
 * batch (or a task that runs twice) does not produce a second report.
 */
export function snowflakeJobId(
  reportType: string,
  parameters: unknown,
  options: { format?: string | undefined },
  day: string,
): string {
  const hash = createHash("sha256")
    .update(
      canonicalJson({ reportType, parameters: parameters ?? null, format: options.format ?? null, day }),
    )
    .digest("hex")
    .slice(0, 32);
  const safeType = reportType.replace(/[^A-Za-z0-9_-]/g, "").slice(0, 40) || "report";
  return `sf-${safeType}-${hash}`;
}

function rowError(
  error: ValidationError | { code: string; message: string },
  fields: string[] = [],
): RowError {
  const f = error instanceof ValidationError ? error.fields : fields;
  return { error: { code: error.code, message: error.message, fields: f } };
}

/** A VARIANT argument arrives as JSON; a VARCHAR argument holding JSON text is accepted too. */
function variant(value: unknown, field: string): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    throw new ValidationError(`${field}: is a string but not JSON text`, { fields: [field] });
  }
}

/** Builds the job of one row; throws ValidationError naming the field (relative to the job or the row). */
function jobOfRow(row: unknown[], now: Date): ReportJobInput {
  const [, type, rawParams, rawOptions] = row;
  if (typeof type !== "string" || type.length === 0)
    throw new ValidationError("reportType: must be a non-empty string (first argument of submit_report)", {
      fields: ["reportType"],
    });
  const params = variant(rawParams, "parameters");
  const optionsResult = RowOptionsSchema.safeParse(variant(rawOptions, "options") ?? {});
  if (!optionsResult.success) {
    const { message, fields } = describeIssues(optionsResult.error);
    throw new ValidationError(`options.${message}`, { fields: fields.map((f) => `options.${f}`) });
  }
  const options = optionsResult.data;
  const input = {
    jobId: options.jobId ?? snowflakeJobId(type, params, options, now.toISOString().slice(0, 10)),
    reportType: type,
    ...(params === null || params === undefined ? {} : { parameters: params }),
    ...(options.format ? { format: options.format } : {}),
    ...(options.correlationId ? { correlationId: options.correlationId } : {}),
    requestedAt: now.toISOString(),
    requestedBy: SNOWFLAKE_REQUESTED_BY,
  };
  // Validate here so a bad row answers with its own error and never reaches the queue.
  parseReportJob(input);
  return input as ReportJobInput;
}

function rowNumbers(rows: unknown[][]): number[] {
  const seen = new Set<number>();
  return rows.map((row, i) => {
    const n = row[0];
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0)
      throw new SnowflakeRequestError(`data.${i}.0: the row number must be a non-negative integer`, {
        fields: [`data.${i}.0`],
      });
    if (seen.has(n))
      throw new SnowflakeRequestError(`data.${i}.0: duplicate row number ${n}`, { fields: [`data.${i}.0`] });
    seen.add(n);
    return n;
  });
}

/**
 * Handles one Snowflake external-function request. Throws SnowflakeRequestError (HTTP 400) for an
 * unreadable envelope, rethrows a retryable submit failure (HTTP 5xx: Snowflake retries the batch), and
 * otherwise answers every row.
 */
export async function handleSnowflakeSubmit(
  body: unknown,
  submit: SubmitJob,
  options: SnowflakeSubmitOptions = {},
): Promise<SnowflakeResponse> {
  const parsed = EnvelopeSchema.safeParse(body);
  if (!parsed.success) {
    const { message, fields } = describeIssues(parsed.error);
    throw new SnowflakeRequestError(`invalid Snowflake request: ${message}`, { fields, cause: parsed.error });
  }
  const rows = parsed.data.data;
  const numbers = rowNumbers(rows);
  const now = (options.now ?? (() => new Date()))();
  // Identical rows in one batch are one job: submit once, answer each row with the same jobId.
  const inFlight = new Map<string, Promise<{ jobId: string }>>();

  const results = await mapLimited(rows, options.concurrency ?? 8, async (row): Promise<RowResult> => {
    let job: ReportJobInput;
    try {
      job = jobOfRow(row, now);
    } catch (error) {
      if (error instanceof ValidationError) return rowError(error);
      throw error;
    }
    let pending = inFlight.get(job.jobId);
    if (!pending) {
      pending = submit(job);
      inFlight.set(job.jobId, pending);
    }
    try {
      return (await pending).jobId;
    } catch (error) {
      if (error instanceof ValidationError) return rowError(error);
      if (isPipelineError(error) && !error.retryable) return rowError(error);
      throw error;
    }
  });
  return { data: numbers.map((n, i) => [n, results[i] as RowResult]) };
}
