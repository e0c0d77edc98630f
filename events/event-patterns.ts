/**
 * EventBridge event patterns for report events: the one function that spells a pattern out, used by the
 * pipeline's own rules (topology.ts), the CLI's temporary taps, the `ReportEventSubscription` Pulumi
 * component and subscribers' rules (it ships in the `@report-pipeline/events` package).
 *
 * @example
 * ```ts
 * import { reportEventPattern } from "@report-pipeline/events";
 * reportEventPattern({ detailTypes: ["ReportGenerated"], reportTypes: ["sales"] });
 * // { source: ["report-pipeline.reports"], "detail-type": ["ReportGenerated"], detail: { reportType: ["sales"] } }
 * ```
 */
import { ValidationError } from "./errors.js";
import { ALL_DETAIL_TYPES, type DetailType, EVENT_SOURCE } from "./names.js";
import { JobIdSchema, REPORT_TYPES, type ReportType } from "./report-job.schema.js";

/** An EventBridge event pattern (the subset report events are matched with). */
export interface EventPattern {
  source: string[];
  "detail-type"?: string[];
  detail?: { reportType?: string[]; jobId?: string[] };
}

/** Which report events a rule matches; every field absent: every pipeline event. */
export interface ReportEventFilter {
  /** Only these detail-types (non-empty when given). */
  detailTypes?: readonly DetailType[];
  /** Only events of these report types (a `ReportRejected` without a valid reportType never matches). */
  reportTypes?: readonly ReportType[];
  /** Only events of these jobs. */
  jobIds?: readonly string[];
}

function checked<T extends string>(
  field: string,
  values: readonly T[] | undefined,
  valid: (v: string) => string | undefined,
): T[] | undefined {
  if (values === undefined) return undefined;
  if (!Array.isArray(values) || values.length === 0) {
    throw new ValidationError(`${field}: must list at least one value when given`, { fields: [field] });
  }
  for (const [i, value] of values.entries()) {
    const problem = typeof value === "string" ? valid(value) : "must be a string";
    if (problem) {
      throw new ValidationError(`${field}[${i}]: ${problem}, got ${JSON.stringify(value)}`, {
        fields: [`${field}[${i}]`],
      });
    }
  }
  return [...new Set(values)];
}

/**
 * The event pattern matching the pipeline's report events that pass `filter`. Throws ValidationError naming
 * the field (`detailTypes[1]`, `reportTypes`) for an unknown detail-type, report type or malformed job id.
 */
export function reportEventPattern(filter: ReportEventFilter = {}): EventPattern {
  const detailTypes = checked("detailTypes", filter.detailTypes, (v) =>
    (ALL_DETAIL_TYPES as readonly string[]).includes(v)
      ? undefined
      : `must be one of ${ALL_DETAIL_TYPES.join(", ")}`,
  );
  const reportTypes = checked("reportTypes", filter.reportTypes, (v) =>
    (REPORT_TYPES as readonly string[]).includes(v) ? undefined : `must be one of ${REPORT_TYPES.join(", ")}`,
  );
  const jobIds = checked("jobIds", filter.jobIds, (v) =>
    JobIdSchema.safeParse(v).success ? undefined : "must be a job id ([A-Za-z0-9_-]{1,128})",
  );
  const detail = {
    ...(reportTypes ? { reportType: reportTypes } : {}),
    ...(jobIds ? { jobId: jobIds } : {}),
  };
  return {
    source: [EVENT_SOURCE],
    ...(detailTypes ? { "detail-type": detailTypes } : {}),
    ...(Object.keys(detail).length > 0 ? { detail } : {}),
  };
}

/**
 * Whether an event matches a pattern made by {@link reportEventPattern}: what EventBridge decides, for the
 * subset those patterns use (exact string matches). Lets a subscriber's unit test check its filter offline.
 */
export function matchesReportEventPattern(
  pattern: EventPattern,
  event: { source?: unknown; "detail-type"?: unknown; detail?: unknown },
): boolean {
  const has = (allowed: string[] | undefined, value: unknown) =>
    allowed === undefined || (typeof value === "string" && allowed.includes(value));
  const detail = (typeof event.detail === "object" && event.detail !== null ? event.detail : {}) as Record<
    string,
    unknown
  >;
  return (
    has(pattern.source, event.source) &&
    has(pattern["detail-type"], event["detail-type"]) &&
    has(pattern.detail?.reportType, detail.reportType) &&
    has(pattern.detail?.jobId, detail.jobId)
  );
}
