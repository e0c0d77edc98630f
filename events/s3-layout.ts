/**
 * The S3 layout of the reports bucket (the original system's, kept): part of the contract, because
 * users and other teams read these keys.
 *
 *   generated/<jobId>/<jobId>_<report_slug>_<YYYYMMDD_HHMMSS>.<ext>   worker output, before organization
 *   reports/<category>/<jobId>_<report_slug>_<YYYYMMDD_HHMMSS>.<ext>  final report
 *   reports/<category>/latest.json                                    pointer to the newest report
 *   reports/_index/<YYYY-MM-DD>.json                                  daily index manifest
 *   audit/jobs/<jobId>/<time>_<detailType>_<eventId>.json            audit trail by job
 *   audit/dt=<YYYY-MM-DD>/<time>_<detailType>_<eventId>.json         audit trail by date (analytics)
 *   _state/<consumer>/<eventId>.json                                  consumers' idempotency ledger (internal)
 *   _state/worker/jobs/<jobId>.json, _state/worker/statements/<jobId>/…  worker job claims, statement query ids
 *
 * The timestamp comes from the job's `requestedAt`, never from the clock of a retry, so a redelivered job
 * maps to the same key.
 *
 * @example
 * ```ts
 * reportKey({ jobId: "WORKFLOW_SALES_001", reportType: "sales", format: "json", requestedAt: "2025-08-03T15:46:08Z" });
 * // "reports/sales/WORKFLOW_SALES_001_sales_20250803_154608.json"
 * ```
 */
import { JobIdSchema, REPORT_FORMATS, type ReportFormat, type ReportType } from "./report-job.schema.js";

export const REPORT_CATEGORIES = ["sales", "customers", "products", "executive", "quality"] as const;
export type ReportCategory = (typeof REPORT_CATEGORIES)[number];

/** Where each report type is filed. The connectivity test is an operational check, filed with sales as in the original run. */
export const CATEGORY_OF: Record<ReportType, ReportCategory> = {
  sales: "sales",
  connectivity_test: "sales",
  customer_analysis: "customers",
  product_performance: "products",
  executive_dashboard: "executive",
  data_quality: "quality",
};

export const GENERATED_PREFIX = "generated/";
export const REPORTS_PREFIX = "reports/";
export const INDEX_PREFIX = "reports/_index/";
export const AUDIT_PREFIX = "audit/";
/** Internal bookkeeping of the consumers (idempotency claims); not part of the published layout. */
export const STATE_PREFIX = "_state/";
/** The worker's job claims: one object per jobId, first writer wins (see jobClaimKey). */
export const JOB_CLAIMS_PREFIX = `${STATE_PREFIX}worker/jobs/`;

/**
 * The claim of a job id: written once, with `If-None-Match`, by the first receive of the job; it records
 * the job's content hash, so a different job under the same id is told from a redelivery.
 */
export function jobClaimKey(jobId: string): string {
  return `${JOB_CLAIMS_PREFIX}${jobId}.json`;
}

/** Query ids of the worker's warehouse statements, by resume key (see statementKey). */
export const STATEMENTS_PREFIX = `${STATE_PREFIX}worker/statements/`;

/**
 * Where the query id of a job's statement is kept (`<jobId>/<file>-<digest>`, services/reports
 * statementResumeKey), so a redelivered job re-attaches to a statement still running in Snowflake.
 */
export function statementKey(resumeKey: string): string {
  return `${STATEMENTS_PREFIX}${resumeKey}.json`;
}

export interface KeyedJob {
  jobId: string;
  reportType: ReportType;
  format: ReportFormat;
  requestedAt: string;
}

/** `YYYYMMDD_HHMMSS` in UTC from an ISO instant. */
export function keyTimestamp(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new Error(`not an ISO-8601 instant: ${iso}`);
  const s = d.toISOString(); // 2025-08-03T15:46:08.858Z
  return `${s.slice(0, 4)}${s.slice(5, 7)}${s.slice(8, 10)}_${s.slice(11, 13)}${s.slice(14, 16)}${s.slice(17, 19)}`;
}

/** `<jobId>_<report_slug>_<YYYYMMDD_HHMMSS>.<ext>`; the jobId is re-validated before it becomes part of a key. */
export function reportFileName(job: KeyedJob): string {
  const jobId = JobIdSchema.parse(job.jobId);
  return `${jobId}_${job.reportType}_${keyTimestamp(job.requestedAt)}.${job.format}`;
}

export function generatedKey(job: KeyedJob): string {
  return `${GENERATED_PREFIX}${JobIdSchema.parse(job.jobId)}/${reportFileName(job)}`;
}

export function reportKey(job: KeyedJob): string {
  return `${REPORTS_PREFIX}${CATEGORY_OF[job.reportType]}/${reportFileName(job)}`;
}

/** A generated report's file name: `<jobId>_<report_slug>_<YYYYMMDD_HHMMSS>.<format>`. */
const GENERATED_FILE = new RegExp(`^[A-Za-z0-9_-]+_[a-z_]+_\\d{8}_\\d{6}\\.(${REPORT_FORMATS.join("|")})$`);

/** The canonical key of a report the worker wrote at `generated` (same file name, category folder). */
export function organizedKeyFor(generated: string, reportType: ReportType): string {
  const file = generated.slice(generated.lastIndexOf("/") + 1);
  if (!generated.startsWith(GENERATED_PREFIX) || !GENERATED_FILE.test(file)) {
    throw new Error(`not a generated report key: ${generated}`);
  }
  return `${REPORTS_PREFIX}${CATEGORY_OF[reportType]}/${file}`;
}

export function latestPointerKey(category: ReportCategory): string {
  return `${REPORTS_PREFIX}${category}/latest.json`;
}

/** Daily index manifest for the UTC day of `iso`. */
export function indexKey(iso: string): string {
  return `${INDEX_PREFIX}${new Date(iso).toISOString().slice(0, 10)}.json`;
}

export function auditJobPrefix(jobId: string): string {
  return `${AUDIT_PREFIX}jobs/${JobIdSchema.parse(jobId)}/`;
}

/** Audit events that carry no valid jobId (a rejected message) are filed here. */
export const AUDIT_UNATTRIBUTED_PREFIX = `${AUDIT_PREFIX}unattributed/`;

export function auditDatePrefix(isoDay: string): string {
  return `${AUDIT_PREFIX}dt=${isoDay}/`;
}

/**
 * `<YYYYMMDDTHHMMSSmmmZ>_<detailType>_<eventId>.json`: sorts by time within a prefix, and is unique per
 * event (the eventId), so writing it with If-None-Match makes a duplicate delivery a no-op.
 */
export function auditFileName(time: string, detailType: string, eventId: string): string {
  const t = new Date(time).toISOString().replace(/[-:.]/g, "");
  return `${t}_${detailType}_${eventId}.json`;
}

/** Splits an audit file name back into its parts (undefined if it is not one). */
export function parseAuditFileName(
  name: string,
): { time: string; detailType: string; eventId: string } | undefined {
  const m = /^(\d{8}T\d{9}Z)_([A-Za-z]+)_([0-9a-f-]{36})\.json$/.exec(name);
  if (!m) return undefined;
  const [, t = "", detailType = "", eventId = ""] = m;
  const time = `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}T${t.slice(9, 11)}:${t.slice(11, 13)}:${t.slice(13, 15)}.${t.slice(15, 18)}Z`;
  return { time, detailType, eventId };
}
