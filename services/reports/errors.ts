/**
 * Errors of the report engine. Unknown report types and invalid parameters are the caller's fault and never
 * retryable; they name the offending field. Warehouse errors pass through unchanged (their `retryable` flag
 * decides redelivery).
 */
import { PipelineError, type PipelineErrorOptions, ValidationError } from "#events/errors.js";

/** The job names a report type that is not in the catalog (allowlist). Not retryable. */
export class UnknownReportTypeError extends PipelineError {
  readonly code = "UNKNOWN_REPORT_TYPE";
  readonly retryable = false;
  readonly fields = ["reportType"];

  constructor(reportType: unknown, options: PipelineErrorOptions = {}) {
    super(`reportType: unknown report type ${JSON.stringify(String(reportType)).slice(0, 140)}`, options);
  }
}

/** The job's parameters do not satisfy the report's schema. Not retryable; `fields` are dotted paths. */
export class InvalidParametersError extends ValidationError {
  override readonly code = "INVALID_PARAMETERS";
}

/** The report could not be assembled from what the warehouse returned (a bug or a schema drift). */
export class ReportAssemblyError extends PipelineError {
  readonly code = "REPORT_ASSEMBLY_FAILED";
  readonly retryable = false;
}
