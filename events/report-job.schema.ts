/**
 * The report job: the SQS message body producers send to the jobs queue. Validated with zod at both ends
 * (the producer client before sending, the worker on receipt).
 *
 * @example
 * ```ts
 * import { parseReportJob } from "#events/report-job.schema.js";
 * const job = parseReportJob(JSON.parse(message.Body)); // throws ValidationError naming the field
 * job.reportType; // "sales" | "customer_analysis" | ...
 * ```
 */
import { z } from "zod";
import { ValidationError } from "./errors.js";
import { SCHEMA_VERSION } from "./names.js";

/** The report catalog. */
export const REPORT_TYPES = [
  "sales",
  "customer_analysis",
  "product_performance",
  "executive_dashboard",
  "data_quality",
  "connectivity_test",
] as const;
export type ReportType = (typeof REPORT_TYPES)[number];

export const REPORT_FORMATS = ["json", "csv", "ndjson", "parquet"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/**
 * The media type of each format's object. The S3 key's extension is the format's name (s3-layout.ts).
 *
 * @example
 * REPORT_CONTENT_TYPES.parquet; // "application/vnd.apache.parquet"
 */
export const REPORT_CONTENT_TYPES: Record<ReportFormat, string> = {
  json: "application/json",
  csv: "text/csv",
  ndjson: "application/x-ndjson",
  parquet: "application/vnd.apache.parquet",
};

export const CUSTOMER_TIERS = ["Enterprise", "Premium", "Standard"] as const;
export const GRANULARITIES = ["day", "week", "month"] as const;

/** `[A-Za-z0-9_-]{1,128}`: safe as an S3 key segment, an idempotency key and a Snowflake QUERY_TAG. */
export const JobIdSchema = z
  .string({ error: "must be a string" })
  .min(1, { error: "must not be empty", abort: true })
  .max(128, { error: "must be at most 128 characters", abort: true })
  .regex(/^[A-Za-z0-9_-]+$/, { error: "may contain only letters, digits, '_' and '-'" });

const isRealDate = (s: string) => {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
};

/** A calendar date `YYYY-MM-DD` (UTC). */
export const DateSchema = z
  .string({ error: "must be a date string YYYY-MM-DD" })
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: "must be a date YYYY-MM-DD" })
  .refine(isRealDate, { error: "is not a real calendar date" });

/** A short free-text filter value (a region, a category); bound as a SQL parameter, never spliced. */
const FilterValue = z.string().min(1).max(100);
const FilterList = z.array(FilterValue).max(50, { error: "at most 50 values" });

const dateRange = {
  from: DateSchema,
  to: DateSchema,
};

/**
 * The longest range, in days counting both ends, each report type with a date range accepts. A range bounds
 * what a report scans (processed tables are clustered by date, so the warehouse reads only the range's
 * partitions), and so what one job may cost; customer_analysis's lifetime value still reads every order up
 * to `to`. A job over the limit is rejected at once, naming `parameters.to`.
 *
 * @example
 * DATE_RANGE_LIMIT_DAYS.sales; // 1096 (three years and a day): from 2025-01-01, `to` may be 2028-01-01 at most
 */
export const DATE_RANGE_LIMIT_DAYS = {
  sales: 1096,
  customer_analysis: 1096,
  product_performance: 1096,
  executive_dashboard: 1827,
} as const satisfies Partial<Record<(typeof REPORT_TYPES)[number], number>>;

const DAY_MS = 86_400_000;
/** Days from `from` to `to`, both counted (a one-day range is 1). */
export function rangeDays(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;
}

// Generic over the schema (not its output) so the refined schema keeps its input type for producers.
const boundedRange = <S extends z.ZodType<{ from: string; to: string }>>(schema: S, maxDays: number): S =>
  schema
    .refine((p: { from: string; to: string }) => p.from <= p.to, {
      path: ["to"],
      error: "must be on or after parameters.from",
    })
    .refine((p: { from: string; to: string }) => p.from > p.to || rangeDays(p.from, p.to) <= maxDays, {
      path: ["to"],
      error: `must make a range of at most ${maxDays} days with parameters.from (both counted), the longest this report covers`,
    });

const limit = (fallback: number) =>
  z
    .number({ error: "must be a number" })
    .int({ error: "must be an integer" })
    .min(1, { error: "must be at least 1" })
    .max(10_000, { error: "must be at most 10000" })
    .default(fallback);

export const SalesParametersSchema = boundedRange(
  z.strictObject({
    ...dateRange,
    granularity: z.enum(GRANULARITIES).default("day"),
    regions: FilterList.optional(),
    categories: FilterList.optional(),
    limit: limit(100),
  }),
  DATE_RANGE_LIMIT_DAYS.sales,
);

export const CustomerAnalysisParametersSchema = boundedRange(
  z.strictObject({
    ...dateRange,
    tiers: z.array(z.enum(CUSTOMER_TIERS)).min(1).optional(),
    limit: limit(100),
  }),
  DATE_RANGE_LIMIT_DAYS.customer_analysis,
);

export const ProductPerformanceParametersSchema = boundedRange(
  z.strictObject({
    ...dateRange,
    categories: FilterList.optional(),
    limit: limit(100),
  }),
  DATE_RANGE_LIMIT_DAYS.product_performance,
);

export const ExecutiveDashboardParametersSchema = boundedRange(
  z.strictObject({
    ...dateRange,
    granularity: z.enum(GRANULARITIES).default("month"),
  }),
  DATE_RANGE_LIMIT_DAYS.executive_dashboard,
);

export const DataQualityParametersSchema = z.strictObject({
  /** A table's newest row older than this many hours fails the freshness check. */
  freshnessHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 365)
    .default(24 * 30),
});

export const ConnectivityTestParametersSchema = z.strictObject({});

export const DeliverySchema = z.strictObject({
  /**
   * HTTPS endpoint that receives a signed POST per notification: at most 2,048 characters, no user info;
   * http only to a loopback host written plainly (`127.0.0.1`, `localhost`, `[::1]`), for local
   * development. This is the text-level check; the notifier also resolves the host and refuses loopback,
   * private, link-local and other non-public addresses (services/notifier/webhook-policy.ts).
   */
  webhookUrl: z
    .url({ error: "must be a URL" })
    .max(2048, { error: "must be at most 2048 characters", abort: true })
    .refine(
      (u) => {
        // zod runs this even when the URL check above failed; that check already names the problem.
        if (!URL.canParse(u)) return true;
        const url = new URL(u);
        return url.username === "" && url.password === "";
      },
      { error: "must not contain user info (user:password@)" },
    )
    .refine(
      (u) => {
        if (!URL.canParse(u)) return true;
        const url = new URL(u);
        // For http the host must be written as a plain loopback literal: the URL parser turns 127.1,
        // 0x7f000001 or 2130706433 into 127.0.0.1, and such spellings have no place in a job.
        return (
          url.protocol === "https:" ||
          /^http:\/\/(?:127\.0\.0\.1|localhost|\[::1\])(?::\d{1,5})?(?:[/?#]|$)/i.test(u)
        );
      },
      { error: "must use https (http only for loopback)" },
    )
    .optional(),
  /** When to notify: on every outcome (default), only on failure, or never. */
  notifyOn: z.enum(["always", "failure", "never"]).default("always"),
  /** Do not notify when the report has no rows. */
  skipEmpty: z.boolean().default(false),
});

const base = {
  schemaVersion: z.literal(SCHEMA_VERSION).default(SCHEMA_VERSION),
  jobId: JobIdSchema,
  format: z.enum(REPORT_FORMATS).default("json"),
  /** ISO-8601 instant. The report's key timestamp comes from here, so a redelivered job maps to one key. */
  requestedAt: z.iso.datetime({ offset: true, error: "must be an ISO-8601 date-time" }),
  requestedBy: z.string().min(1).max(256),
  correlationId: z.string().min(1).max(256).optional(),
  delivery: DeliverySchema.optional(),
};

export const ReportJobSchema = z.discriminatedUnion(
  "reportType",
  [
    z.strictObject({ ...base, reportType: z.literal("sales"), parameters: SalesParametersSchema }),
    z.strictObject({
      ...base,
      reportType: z.literal("customer_analysis"),
      parameters: CustomerAnalysisParametersSchema,
    }),
    z.strictObject({
      ...base,
      reportType: z.literal("product_performance"),
      parameters: ProductPerformanceParametersSchema,
    }),
    z.strictObject({
      ...base,
      reportType: z.literal("executive_dashboard"),
      parameters: ExecutiveDashboardParametersSchema,
    }),
    z.strictObject({
      ...base,
      reportType: z.literal("data_quality"),
      parameters: DataQualityParametersSchema.default({ freshnessHours: 24 * 30 }),
    }),
    z.strictObject({
      ...base,
      reportType: z.literal("connectivity_test"),
      parameters: ConnectivityTestParametersSchema.default({}),
    }),
  ],
  {
    // The union's one error hook sees both a bad discriminator and a body that is no object at all.
    error: (issue) =>
      (issue.code as string) === "invalid_type"
        ? "must be a JSON object (a report job)"
        : `must be one of ${REPORT_TYPES.join(", ")}`,
  },
);

/** A validated job, defaults applied. */
export type ReportJob = z.output<typeof ReportJobSchema>;
/** What a producer may send (defaults not yet applied). */
export type ReportJobInput = z.input<typeof ReportJobSchema>;
export type ReportParameters<T extends ReportType> = Extract<ReportJob, { reportType: T }>["parameters"];

/** A valid example job (also used in the exported docs and in tests). */
export const REPORT_JOB_EXAMPLE: ReportJobInput = {
  schemaVersion: SCHEMA_VERSION,
  jobId: "WORKFLOW_SALES_001",
  reportType: "sales",
  parameters: { from: "2025-07-01", to: "2025-07-31", granularity: "day", limit: 100 },
  format: "json",
  requestedAt: "2025-08-03T15:46:08.858Z",
  requestedBy: "reports-cli",
  correlationId: "corr-7f3a",
};

/** Turns zod issues into one readable message whose every line starts with the offending field. */
export function describeIssues(error: z.ZodError): { message: string; fields: string[] } {
  const fields: string[] = [];
  const lines = error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.map(String).join(".") : "(root)";
    fields.push(field);
    return `${field}: ${issue.message}`;
  });
  return { message: lines.join("; "), fields };
}

/** Validates with `schema`, throwing a ValidationError that names each offending field. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const { message, fields } = describeIssues(result.error);
  throw new ValidationError(`invalid ${what}: ${message}`, { fields, cause: result.error });
}

/** Validates a job message body (already JSON-parsed); throws ValidationError naming the field. */
export function parseReportJob(input: unknown): ReportJob {
  return parseWith(ReportJobSchema, input, "report job");
}
