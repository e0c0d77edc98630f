/**
 * Pure mapping from `reports submit` options (and `--file` contents) to report jobs. No AWS, no process
 * state: everything the CLI validates about its arguments is decided here, so it is unit-tested directly.
 */
import { randomBytes } from "node:crypto";
import type { z } from "zod";
import { ValidationError } from "#events/errors.js";
import { REPORT_TYPES, type ReportJob, type ReportType } from "#events/report-job.schema.js";
import { prepareReportJob, type ReportJobDraft } from "#events/submit-report-job.js";

/** The options of `reports submit` as commander hands them over (strings, lists, numbers when numeric). */
export interface SubmitCliOptions {
  type?: string;
  jobId?: string;
  from?: string;
  to?: string;
  format?: string;
  granularity?: string;
  region?: string[];
  category?: string[];
  tier?: string[];
  limit?: number | string;
  freshnessHours?: number | string;
  correlationId?: string;
  requestedBy?: string;
  webhookUrl?: string;
  notifyOn?: string;
  file?: string;
}

const DATE_RANGE: readonly ReportType[] = [
  "sales",
  "customer_analysis",
  "product_performance",
  "executive_dashboard",
];

/** Each report-parameter option: its flag, the parameter it sets, and the report types that take it. */
export const PARAMETER_OPTIONS = [
  { key: "from", flag: "--from", param: "from", types: DATE_RANGE },
  { key: "to", flag: "--to", param: "to", types: DATE_RANGE },
  {
    key: "granularity",
    flag: "--granularity",
    param: "granularity",
    types: ["sales", "executive_dashboard"],
  },
  { key: "region", flag: "--region", param: "regions", types: ["sales"] },
  { key: "category", flag: "--category", param: "categories", types: ["sales", "product_performance"] },
  { key: "tier", flag: "--tier", param: "tiers", types: ["customer_analysis"] },
  {
    key: "limit",
    flag: "--limit",
    param: "limit",
    types: ["sales", "customer_analysis", "product_performance"],
  },
  { key: "freshnessHours", flag: "--freshness-hours", param: "freshnessHours", types: ["data_quality"] },
] as const satisfies readonly {
  key: keyof SubmitCliOptions;
  flag: string;
  param: string;
  types: readonly ReportType[];
}[];

const JOB_FIELD_FLAGS: Record<string, string> = {
  jobId: "--job-id",
  reportType: "--type",
  format: "--format",
  correlationId: "--correlation-id",
  requestedBy: "--requested-by",
  "delivery.webhookUrl": "--webhook-url",
  "delivery.notifyOn": "--notify-on",
  ...Object.fromEntries(PARAMETER_OPTIONS.map((o) => [`parameters.${o.param}`, o.flag])),
};

/** The CLI flag that sets a job field (`parameters.to` → `--to`), when there is one. */
export function flagFor(field: string): string | undefined {
  return JOB_FIELD_FLAGS[field] ?? JOB_FIELD_FLAGS[field.replace(/\.\d+$/, "")];
}

/** A jobId for a submit without `--job-id`: `<type>_<YYYYMMDDHHMMSS>_<random>`. */
export function defaultJobId(type: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  return `${type}_${stamp}_${randomBytes(3).toString("hex")}`;
}

/** Rewrites a job ValidationError so each field also names the CLI flag that sets it. */
function withFlags(error: ValidationError): ValidationError {
  const zodError = error.cause as z.ZodError | undefined;
  if (!zodError?.issues) return error;
  const lines = zodError.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.map(String).join(".") : "(root)";
    const flag = flagFor(field);
    return `${field}${flag ? ` (${flag})` : ""}: ${issue.message}`;
  });
  return new ValidationError(`invalid report job: ${lines.join("; ")}`, {
    fields: error.fields,
    cause: zodError,
  });
}

/**
 * Builds and validates the job `reports submit --type ...` describes. Throws ValidationError naming the
 * field and its flag, e.g. `parameters.to (--to): must be on or after parameters.from`.
 */
export function jobFromOptions(
  options: SubmitCliOptions,
  context: { now: Date; requestedBy: string },
): ReportJob {
  const type = options.type;
  if (!type)
    throw new ValidationError("reportType (--type): is required (or use --file)", { fields: ["reportType"] });
  if (!(REPORT_TYPES as readonly string[]).includes(type)) {
    throw new ValidationError(
      `reportType (--type): must be one of ${REPORT_TYPES.join(", ")}, got "${type}"`,
      {
        fields: ["reportType"],
      },
    );
  }
  const parameters: Record<string, unknown> = {};
  for (const o of PARAMETER_OPTIONS) {
    const value = options[o.key];
    if (value === undefined) continue;
    if (!(o.types as readonly string[]).includes(type)) {
      throw new ValidationError(`parameters.${o.param} (${o.flag}): not a parameter of ${type} reports`, {
        fields: [`parameters.${o.param}`],
      });
    }
    parameters[o.param] = value;
  }
  const delivery =
    options.webhookUrl !== undefined || options.notifyOn !== undefined
      ? {
          ...(options.webhookUrl !== undefined ? { webhookUrl: options.webhookUrl } : {}),
          ...(options.notifyOn !== undefined ? { notifyOn: options.notifyOn } : {}),
        }
      : undefined;
  const draft = {
    jobId: options.jobId ?? defaultJobId(type, context.now),
    reportType: type,
    parameters,
    ...(options.format !== undefined ? { format: options.format } : {}),
    ...(options.correlationId !== undefined ? { correlationId: options.correlationId } : {}),
    ...(delivery ? { delivery } : {}),
    requestedBy: options.requestedBy ?? context.requestedBy,
  } as unknown as ReportJobDraft;
  try {
    return prepareReportJob(draft, { now: () => context.now });
  } catch (error) {
    throw error instanceof ValidationError ? withFlags(error) : error;
  }
}

/** Options that describe a single job and so cannot be combined with `--file`. */
const SINGLE_JOB_KEYS = ["type", "jobId", "format", "correlationId", "webhookUrl", "notifyOn"] as const;

/** Rejects `--file` combined with single-job options, naming the first offending flag. */
export function assertFileOnly(options: SubmitCliOptions): void {
  const keys = [...SINGLE_JOB_KEYS, ...PARAMETER_OPTIONS.map((o) => o.key)];
  const clash = keys.find((k) => options[k] !== undefined);
  if (clash) {
    const flag = flagFor(clash) ?? PARAMETER_OPTIONS.find((o) => o.key === clash)?.flag ?? `--${clash}`;
    throw new ValidationError(`${flag}: cannot be combined with --file (put it in the file's jobs)`, {
      fields: [clash],
    });
  }
}

/**
 * Reads the jobs of `reports submit --file`: a JSON array of jobs, `{ "jobs": [...] }`, or one job object.
 * Returns drafts; the submit client validates them (errors name `jobs[i].<field>`).
 */
export function jobsFromFile(text: string, name: string): ReportJobDraft[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`--file ${name}: not valid JSON: ${(error as Error).message}`, {
      fields: ["file"],
    });
  }
  const list = Array.isArray(data)
    ? data
    : data && typeof data === "object" && Array.isArray((data as { jobs?: unknown }).jobs)
      ? (data as { jobs: unknown[] }).jobs
      : data && typeof data === "object"
        ? [data]
        : undefined;
  if (!list) {
    throw new ValidationError(`--file ${name}: must hold a job object, an array of jobs or {"jobs": [...]}`, {
      fields: ["file"],
    });
  }
  if (list.length === 0) throw new ValidationError(`--file ${name}: holds no jobs`, { fields: ["file"] });
  return list as ReportJobDraft[];
}
