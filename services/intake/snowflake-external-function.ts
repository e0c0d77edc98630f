/**
 * The HTTP side of the Snowflake external function `submit_report(type, params [, options])`
 * (sql/operations/). Pure: no HTTP, no AWS; the intake's `POST /snowflake/submit` (services/intake/main.ts)
 * passes the parsed body and a `submit` that enqueues one job.
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
import { z } from "zod";
import { derivedJobId } from "#events/derived-job-id.js";
import { isPipelineError, ValidationError } from "#events/errors.js";
import {
  describeIssues,
  parseReportJob,
  REPORT_FORMATS,
  type ReportJobInput,
} from "#events/report-job.schema.js";
import { ConfigError } from "#services/shared/config.js";
import { mapLimited } from "#services/shared/map-limited.js";
import { SnowflakeRequestError } from "./errors.js";

/** `requestedBy` of every job that comes from Snowflake. */
export const SNOWFLAKE_REQUESTED_BY = "snowflake";

/** Snowflake sends at most MAX_BATCH_ROWS per call (set on the external function, see sql/operations/). */
export const MAX_BATCH_ROWS = 500;

/**
 * Deepest nesting of arrays and objects in a row's parameters or options (report parameters use one or two
 * levels). The HTTP server caps the body's nesting, but a VARCHAR argument holding JSON text is parsed here,
 * and the job-id hash and the job schema recurse: without this cap a deep value overflowed the stack and
 * failed the whole batch with a RangeError (500) instead of answering that row with an error.
 */
export const MAX_VARIANT_DEPTH = 32;

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
  /** The secret that keys derived jobIds (snowflakeJobId); rows without a jobId of their own need it. */
  idKey?: string;
  /** Rows submitted at once (default 8). */
  concurrency?: number;
  /** `requestedBy` of every job of the batch: the caller the gateway authenticated (default "snowflake"). */
  requestedBy?: string;
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

/**
 * `sf-<type>-<hmac>`: the same row content on the same UTC day is the same job, so a Snowflake retry of a
 * batch (or a task that runs twice) does not produce a second report. Keyed with a secret (HMAC-SHA256,
 * `INTAKE_JOB_ID_KEY`), so nobody outside can compute tomorrow's ids and claim them first.
 */
export function snowflakeJobId(
  reportType: string,
  parameters: unknown,
  options: { format?: string | undefined },
  day: string,
  key: string,
): string {
  return derivedJobId(
    "sf",
    reportType,
    { reportType, parameters: parameters ?? null, format: options.format ?? null, day },
    key,
  );
}

function rowError(
  error: ValidationError | { code: string; message: string },
  fields: string[] = [],
): RowError {
  const f = error instanceof ValidationError ? error.fields : fields;
  return { error: { code: error.code, message: error.message, fields: f } };
}

/** Whether arrays/objects in `value` nest deeper than `max` (iterative, so a deep value cannot overflow it). */
function nestsDeeperThan(value: unknown, max: number): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [v, depth] = next;
    if (v === null || typeof v !== "object") continue;
    if (depth >= max) return true;
    for (const child of Object.values(v)) pending.push([child, depth + 1]);
  }
  return false;
}

/** A VARIANT argument arrives as JSON; a VARCHAR argument holding JSON text is accepted too. */
function variant(value: unknown, field: string): unknown {
  let parsed = value;
  if (typeof value === "string") {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new ValidationError(`${field}: is a string but not JSON text`, { fields: [field] });
    }
  }
  if (nestsDeeperThan(parsed, MAX_VARIANT_DEPTH))
    throw new ValidationError(`${field}: nests arrays/objects deeper than ${MAX_VARIANT_DEPTH} levels`, {
      fields: [field],
    });
  return parsed;
}

/** Builds the job of one row; throws ValidationError naming the field (relative to the job or the row). */
function jobOfRow(row: unknown[], now: Date, idKey: string | undefined, requestedBy: string): ReportJobInput {
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
  const day = now.toISOString().slice(0, 10);
  if (options.jobId === undefined && !idKey) {
    throw new ConfigError("INTAKE_JOB_ID_KEY: not configured; the intake cannot derive job ids without it");
  }
  const input = {
    jobId: options.jobId ?? snowflakeJobId(type, params, options, day, idKey ?? ""),
    reportType: type,
    ...(params === null || params === undefined ? {} : { parameters: params }),
    ...(options.format ? { format: options.format } : {}),
    ...(options.correlationId ? { correlationId: options.correlationId } : {}),
    // The day, not the instant: a retry of the batch that day is then the same job (same content hash),
    // which the worker handles as a duplicate instead of a JOB_ID_CONFLICT.
    requestedAt: `${day}T00:00:00.000Z`,
    requestedBy,
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
      job = jobOfRow(row, now, options.idKey, options.requestedBy ?? SNOWFLAKE_REQUESTED_BY);
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
