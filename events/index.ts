/**
 * `@report-pipeline/events`: the report pipeline's contract for the teams that subscribe to its events.
 * The entry point of the package built from events/ (`npm run build:events-package`); inside this
 * repository the same modules are imported through `#events/…`. Needs zod, never the AWS SDK.
 *
 * - names: {@link EVENT_SOURCE}, {@link DetailType}, {@link SCHEMA_VERSION};
 * - parsers: {@link parseReportEvent} (a whole EventBridge event, or a detail-type and its detail),
 *   {@link safeParseReportEvent}, {@link parseReportJob}; the zod schemas and their inferred types;
 * - examples: {@link REPORT_EVENT_EXAMPLES}, one valid detail per detail-type;
 * - the error-code catalogue {@link ERROR_CODES};
 * - event patterns: {@link reportEventPattern};
 * - webhooks: {@link verifyWebhookSignature};
 * - JSON Schemas: the files `@report-pipeline/events/schemas/events/<DetailType>.schema.json`.
 *
 * @example
 * ```ts
 * import { parseReportEvent, reportEventPattern } from "@report-pipeline/events";
 * const pattern = reportEventPattern({ detailTypes: ["ReportGenerated"] }); // for your rule
 * const event = parseReportEvent(sqsMessage.Body); // throws ValidationError naming the field
 * if (event.detailType === "ReportGenerated") download(event.detail.bucket, event.detail.key);
 * ```
 */

export {
  ERROR_CODES,
  type ErrorCode,
  type ErrorCodeInfo,
  type EventError,
  isKnownErrorCode,
} from "./error-codes.js";
export { isPipelineError, PipelineError, ValidationError } from "./errors.js";
export {
  type EventPattern,
  matchesReportEventPattern,
  type ReportEventFilter,
  reportEventPattern,
} from "./event-patterns.js";
export { ALL_DETAIL_TYPES, DetailType, EVENT_SOURCE, SCHEMA_VERSION } from "./names.js";
export {
  eventIdFor,
  isDetailType,
  NOTIFIED_FOR,
  parseReportEvent,
  REPORT_EVENT_EXAMPLES,
  REPORT_EVENT_SCHEMAS,
  type ReceivedReportEvent,
  type ReportEvent,
  type ReportEventDetail,
  type ReportEventDetailInputMap,
  type ReportEventDetailMap,
  type ReportEventEnvelope,
  type ReportFailed,
  ReportFailedSchema,
  type ReportGenerated,
  ReportGeneratedSchema,
  type ReportNotified,
  ReportNotifiedSchema,
  type ReportOrganized,
  ReportOrganizedSchema,
  type ReportRejected,
  ReportRejectedSchema,
  type ReportStarted,
  ReportStartedSchema,
  safeParseReportEvent,
} from "./report-events.schema.js";
export {
  parseReportJob,
  REPORT_FORMATS,
  REPORT_JOB_EXAMPLE,
  REPORT_TYPES,
  type ReportFormat,
  type ReportJob,
  type ReportJobInput,
  ReportJobSchema,
  type ReportType,
} from "./report-job.schema.js";
export { buildTopology, DEFAULT_PREFIX, type Topology } from "./topology.js";
export {
  DEFAULT_TOLERANCE_SECONDS,
  signWebhook,
  type VerifyWebhookInput,
  verifyWebhookSignature,
  WEBHOOK_HEADERS,
  type WebhookVerification,
  webhookSignatureHeaders,
} from "./webhook-signature.js";
