/**
 * Fixed names of the report pipeline's event contract. Every producer, consumer, rule and test imports
 * these constants; no other file spells them out.
 *
 * @example
 * ```ts
 * import { EVENT_SOURCE, DetailType } from "#events/names.js";
 * await publisher.publish({ source: EVENT_SOURCE, detailType: DetailType.ReportGenerated, detail });
 * ```
 */

/** The EventBridge `source` of every event the pipeline emits. */
export const EVENT_SOURCE = "report-pipeline.reports";

/** The EventBridge `detail-type` of each pipeline event. */
export const DetailType = {
  ReportStarted: "ReportStarted",
  ReportGenerated: "ReportGenerated",
  ReportOrganized: "ReportOrganized",
  ReportFailed: "ReportFailed",
  ReportRejected: "ReportRejected",
  ReportNotified: "ReportNotified",
} as const;

export type DetailType = (typeof DetailType)[keyof typeof DetailType];

/** All detail-types, in the order a job usually emits them. */
export const ALL_DETAIL_TYPES: readonly DetailType[] = Object.values(DetailType);

/** Version of the message and event schemas; carried in `schemaVersion` and a message attribute. */
export const SCHEMA_VERSION = "1";
