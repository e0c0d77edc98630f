/**
 * The report events: the `detail` of every event the pipeline puts on its EventBridge bus, one zod schema
 * per detail-type, with inferred types and an example each. Producers validate before `PutEvents` (the
 * event publisher does it for them); consumers validate on receipt with {@link parseReportEvent}.
 *
 * Every detail carries `schemaVersion`, a deterministic `eventId` (see {@link eventIdFor}; consumers dedupe
 * on it), `jobId`, `reportType` and an optional `correlationId`. `ReportRejected` (and a `ReportNotified`
 * receipt for a rejection) may lack `jobId` / `reportType`: the message it rejects may not have had valid ones.
 *
 * @example
 * ```ts
 * import { parseReportEvent } from "#events/report-events.schema.js";
 * const body = JSON.parse(message.Body); // an EventBridge event delivered to SQS
 * const detail = parseReportEvent(body["detail-type"], body.detail); // throws ValidationError naming the field
 * if (body["detail-type"] === "ReportGenerated") console.log(detail.jobId);
 * ```
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { ValidationError } from "./errors.js";
import { ALL_DETAIL_TYPES, DetailType, EVENT_SOURCE, SCHEMA_VERSION } from "./names.js";
import { DeliverySchema, JobIdSchema, parseWith, REPORT_FORMATS, REPORT_TYPES } from "./report-job.schema.js";
import { REPORT_CATEGORIES } from "./s3-layout.js";

/** Largest copy of a rejected message body carried in `ReportRejected.body`, in UTF-8 bytes. */
export const REJECTED_BODY_MAX_BYTES = 2048;

/**
 * Bounds of the free text an event carries, chosen so that the largest valid event stays well under
 * EventBridge's 256 KB entry limit even when every character needs a 6-byte JSON escape
 * (events/tests/unit/event-size.test.ts builds those events). Without them a producer could send a job
 * (or a non-job) whose event cannot be published, and the message would loop into the DLQ.
 */
export const EVENT_TEXT_LIMITS = {
  /** ReportRejected: issues listed, and the characters of each issue's field and message, and of the reason. */
  rejectionIssues: 20,
  issueFieldChars: 256,
  issueMessageChars: 512,
  reasonChars: 1024,
  /** ReportGenerated: the report's `summary` block as JSON, in bytes (a larger one is replaced by `{"_truncated":true}`). */
  summaryBytes: 8192,
  /** ReportNotified: characters of a channel's detail. */
  channelDetailChars: 512,
} as const;

/**
 * Namespace of the pipeline's event ids (a fixed random UUID): `eventIdFor` computes RFC 9562 version-5
 * UUIDs in it, so ids are stable across processes and retries and never collide with other systems' v5 ids.
 */
export const EVENT_ID_NAMESPACE = "6f1c2d1e-9b7a-4c55-8a43-2f0e5b7d9c31";

/** What an event id is derived from: usually a detail-type; `ReportNotified:<eventId>` for a receipt. */
export type EventIdKind = DetailType | `${DetailType}:${string}`;

/**
 * The deterministic id of an event: a version-5 UUID of `jobId`, the event kind and (where it matters)
 * the attempt. Emitting the same event again (a redelivered job, a retried PutEvents) yields the same id,
 * so consumers that dedupe on `eventId` apply its effect once.
 *
 * @example
 * ```ts
 * eventIdFor("WORKFLOW_SALES_001", "ReportGenerated");      // same value on every call, in every process
 * eventIdFor("WORKFLOW_SALES_001", "ReportFailed", 2);      // differs per attempt
 * eventIdFor(generated.jobId, `ReportNotified:${generated.eventId}`); // a receipt for one event
 * ```
 */
export function eventIdFor(jobId: string, kind: EventIdKind, attempt?: number): string {
  if (attempt !== undefined && !(Number.isInteger(attempt) && attempt >= 1)) {
    throw new ValidationError(`attempt: must be an integer >= 1, got ${attempt}`, { fields: ["attempt"] });
  }
  const namespace = Buffer.from(EVENT_ID_NAMESPACE.replaceAll("-", ""), "hex");
  const name = attempt === undefined ? `${jobId}\u0000${kind}` : `${jobId}\u0000${kind}\u0000${attempt}`;
  const hash = createHash("sha1").update(namespace).update(name, "utf8").digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50; // version 5
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // RFC 9562 variant
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Cuts a rejected message body to at most {@link REJECTED_BODY_MAX_BYTES} UTF-8 bytes without splitting a
 * character, for `ReportRejected.body` / `bodyTruncated`.
 *
 * @example
 * ```ts
 * const { body, bodyTruncated } = truncateBody(message.Body ?? "");
 * ```
 */
export function truncateBody(
  raw: string,
  maxBytes = REJECTED_BODY_MAX_BYTES,
): {
  body: string;
  bodyTruncated: boolean;
} {
  if (Buffer.byteLength(raw, "utf8") <= maxBytes) return { body: raw, bodyTruncated: false };
  let out = "";
  let bytes = 0;
  for (const ch of raw) {
    const size = Buffer.byteLength(ch, "utf8");
    if (bytes + size > maxBytes) break;
    out += ch;
    bytes += size;
  }
  return { body: out, bodyTruncated: true };
}

const IsoDateTime = z.iso.datetime({ offset: true, error: "must be an ISO-8601 date-time" });
const Attempt = z
  .number({ error: "must be a number" })
  .int({ error: "must be an integer" })
  .min(1, { error: "must be at least 1" });
const NonNegativeInt = z
  .number({ error: "must be a number" })
  .int({ error: "must be an integer" })
  .min(0, { error: "must not be negative" });
const EventId = z.uuid({ error: "must be a UUID (see eventIdFor)" });
const ReportTypeField = z.enum(REPORT_TYPES, { error: `must be one of ${REPORT_TYPES.join(", ")}` });
const CorrelationId = z.string().min(1).max(256);
const BucketName = z.string().min(3).max(63);
const ObjectKey = z.string().min(1).max(1024);

const envelope = {
  schemaVersion: z.literal(SCHEMA_VERSION, { error: `must be "${SCHEMA_VERSION}"` }),
  eventId: EventId,
  jobId: JobIdSchema,
  reportType: ReportTypeField,
  correlationId: CorrelationId.optional(),
};

/** A job started running (per attempt): lets status and progress show a running job. */
export const ReportStartedSchema = z.strictObject({
  ...envelope,
  attempt: Attempt,
  startedAt: IsoDateTime,
  /**
   * The job's `requestedBy`: through the HTTP front door, the IAM identity the gateway authenticated
   * (never what the body said); from the queue, what the producer wrote. Optional: older events lack it.
   */
  requestedBy: z.string().min(1).max(256).optional(),
});

/** The worker wrote the report under `generated/` and it is ready to be organized. */
export const ReportGeneratedSchema = z.strictObject({
  ...envelope,
  bucket: BucketName,
  key: ObjectKey,
  /** `s3://<bucket>/<key>`. */
  uri: z.string().regex(/^s3:\/\/[^/]+\/.+$/, { error: "must be an s3://bucket/key URI" }),
  format: z.enum(REPORT_FORMATS),
  sizeBytes: NonNegativeInt,
  /** Hex SHA-256 of the object's bytes. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/, { error: "must be 64 lowercase hex characters" }),
  rowCount: NonNegativeInt,
  /** Warehouse query ids (Snowflake query ids; DuckDB: synthetic ids), for tracing the SQL that ran. */
  queryIds: z.array(z.string().min(1).max(256)).max(100),
  durationMs: NonNegativeInt,
  generatedAt: IsoDateTime,
  /** The report document's `summary` block (at most 8 KB of JSON; larger: `{"_truncated": true}`). */
  summary: z
    .record(z.string(), z.unknown())
    .refine((s) => Buffer.byteLength(JSON.stringify(s), "utf8") <= EVENT_TEXT_LIMITS.summaryBytes, {
      error: `must be at most ${EVENT_TEXT_LIMITS.summaryBytes} bytes of JSON`,
    }),
  attempt: Attempt,
  /** The job's notification options, carried so the notifier can honour them. */
  delivery: DeliverySchema.optional(),
});

/** The organizer moved the report to its canonical key, tagged it and indexed it. */
export const ReportOrganizedSchema = z.strictObject({
  ...envelope,
  bucket: BucketName,
  finalKey: ObjectKey,
  tags: z.record(z.string().min(1).max(128), z.string().max(256)),
  /** The daily index manifest that lists this report. */
  indexKey: ObjectKey,
  category: z.enum(REPORT_CATEGORIES),
  format: z.enum(REPORT_FORMATS),
  sizeBytes: NonNegativeInt,
  sha256: z.string().regex(/^[0-9a-f]{64}$/, { error: "must be 64 lowercase hex characters" }),
  rowCount: NonNegativeInt,
  /** When the worker generated the report (orders `latest.json`; from ReportGenerated). */
  generatedAt: IsoDateTime,
  /** The job's notification options (from ReportGenerated). */
  delivery: DeliverySchema.optional(),
});

/** A job failed; `final` says whether it will be retried (false) or has given up (true). */
export const ReportFailedSchema = z.strictObject({
  ...envelope,
  error: z.strictObject({
    /** A stable PipelineError code, e.g. `WAREHOUSE_UNAVAILABLE` (events/error-codes.ts). */
    code: z.string().min(1).max(128),
    /**
     * The code's fixed meaning from the catalogue (eventErrorOf), plus the names of offending fields: never
     * warehouse data or SQL (the raw text is in the worker's log, redacted).
     */
    message: z.string().max(4096),
    retryable: z.boolean(),
    /** The warehouse queries the failure concerns, to look up in the warehouse's own history. */
    queryIds: z.array(z.string().min(1).max(256)).max(20).optional(),
  }),
  attempt: Attempt,
  final: z.boolean(),
  /** The job's notification options, carried so the notifier can honour them. */
  delivery: DeliverySchema.optional(),
});

/** A message on the jobs queue could not be a job (schema errors); it was deleted, not retried. */
export const ReportRejectedSchema = z.strictObject({
  ...envelope,
  /** Present when the message carried a valid one. */
  jobId: JobIdSchema.optional(),
  /** Present when the message carried a valid one. */
  reportType: ReportTypeField.optional(),
  /**
   * Why: `VALIDATION_FAILED` (not a valid job; the default when absent) or `JOB_ID_CONFLICT` (a valid job
   * whose jobId is already taken by a job with different content; the first job is unaffected).
   */
  code: z.enum(["VALIDATION_FAILED", "JOB_ID_CONFLICT"]).optional(),
  reason: z.string().min(1).max(EVENT_TEXT_LIMITS.reasonChars),
  issues: z
    .array(
      z.strictObject({
        field: z.string().max(EVENT_TEXT_LIMITS.issueFieldChars),
        message: z.string().max(EVENT_TEXT_LIMITS.issueMessageChars),
      }),
    )
    .max(EVENT_TEXT_LIMITS.rejectionIssues),
  /** The SQS message id of the rejected message. */
  messageId: z.string().min(1).max(256),
  /** The start of the message body, at most 2 KB (see truncateBody). */
  body: z.string().refine((s) => Buffer.byteLength(s, "utf8") <= REJECTED_BODY_MAX_BYTES, {
    error: `must be at most ${REJECTED_BODY_MAX_BYTES} bytes (use truncateBody)`,
  }),
  bodyTruncated: z.boolean(),
});

/** Detail-types a notification is sent for. */
export const NOTIFIED_FOR = [
  DetailType.ReportOrganized,
  DetailType.ReportFailed,
  DetailType.ReportRejected,
] as const;

/** A delivery receipt: what the notifier did for one event, per channel. */
export const ReportNotifiedSchema = z
  .strictObject({
    ...envelope,
    /** Absent only for a receipt of a ReportRejected that had no valid jobId. */
    jobId: JobIdSchema.optional(),
    /** Absent only for a receipt of a ReportRejected that had no valid reportType. */
    reportType: ReportTypeField.optional(),
    /** The event this receipt is for. */
    forEventId: EventId,
    forDetailType: z.enum(NOTIFIED_FOR, { error: `must be one of ${NOTIFIED_FOR.join(", ")}` }),
    channels: z
      .array(
        z.strictObject({
          channel: z.enum(["sns", "webhook"]),
          outcome: z.enum(["delivered", "failed", "skipped"]),
          /** Why it failed or was skipped, or the SNS message id / HTTP status when delivered. */
          detail: z.string().max(EVENT_TEXT_LIMITS.channelDetailChars).optional(),
        }),
      )
      .min(1, { error: "must list at least one channel" }),
    notifiedAt: IsoDateTime,
  })
  .superRefine((d, ctx) => {
    if (d.forDetailType === DetailType.ReportRejected) return;
    for (const field of ["jobId", "reportType"] as const) {
      if (d[field] === undefined) {
        ctx.addIssue({
          code: "custom",
          path: [field],
          message: `is required for a ${d.forDetailType} receipt`,
        });
      }
    }
  });

export type ReportStarted = z.output<typeof ReportStartedSchema>;
export type ReportGenerated = z.output<typeof ReportGeneratedSchema>;
export type ReportOrganized = z.output<typeof ReportOrganizedSchema>;
export type ReportFailed = z.output<typeof ReportFailedSchema>;
export type ReportRejected = z.output<typeof ReportRejectedSchema>;
export type ReportNotified = z.output<typeof ReportNotifiedSchema>;

/** Each detail-type's schema: the one lookup consumers, the publisher and the docs generator use. */
export const REPORT_EVENT_SCHEMAS = {
  [DetailType.ReportStarted]: ReportStartedSchema,
  [DetailType.ReportGenerated]: ReportGeneratedSchema,
  [DetailType.ReportOrganized]: ReportOrganizedSchema,
  [DetailType.ReportFailed]: ReportFailedSchema,
  [DetailType.ReportRejected]: ReportRejectedSchema,
  [DetailType.ReportNotified]: ReportNotifiedSchema,
} as const satisfies Record<DetailType, z.ZodType>;

/** The detail of each detail-type, after validation. */
export type ReportEventDetailMap = {
  [K in DetailType]: z.output<(typeof REPORT_EVENT_SCHEMAS)[K]>;
};
/** The detail a producer passes for each detail-type. */
export type ReportEventDetailInputMap = {
  [K in DetailType]: z.input<(typeof REPORT_EVENT_SCHEMAS)[K]>;
};
/** Any report event detail. */
export type ReportEventDetail = ReportEventDetailMap[DetailType];

/** A detail-type together with its detail, narrowed together (`switch (e.detailType)` narrows `e.detail`). */
export type ReportEvent = {
  [K in DetailType]: { detailType: K; detail: ReportEventDetailMap[K] };
}[DetailType];

/** Whether `value` is one of the pipeline's detail-types. */
export function isDetailType(value: unknown): value is DetailType {
  return typeof value === "string" && (ALL_DETAIL_TYPES as readonly string[]).includes(value);
}

/**
 * Validates an event detail against its detail-type's schema; throws ValidationError naming the field
 * (`detail-type` when the detail-type itself is unknown).
 *
 * @example
 * ```ts
 * const generated = parseReportEvent("ReportGenerated", event.detail); // typed ReportGenerated
 * parseReportEvent("ReportGenerated", { ...generated, sha256: "x" });
 * // ValidationError: invalid ReportGenerated detail: sha256: must be 64 lowercase hex characters
 * ```
 */
export function parseReportEvent<K extends DetailType>(
  detailType: K,
  detail: unknown,
): ReportEventDetailMap[K];
export function parseReportEvent(detailType: string, detail: unknown): ReportEventDetail;
/**
 * Validates a whole EventBridge event as a subscriber receives it — the object, or its JSON text (an SQS
 * message body) — and returns the detail-type and detail narrowed together, plus EventBridge's envelope.
 * Throws ValidationError naming the field: `source`, `detail-type`, `detail.<field>`.
 *
 * @example
 * ```ts
 * const event = parseReportEvent(message.Body); // the SQS body a rule delivered
 * if (event.detailType === "ReportGenerated") console.log(event.detail.uri); // typed ReportGenerated
 * ```
 */
export function parseReportEvent(raw: unknown): ReceivedReportEvent;
export function parseReportEvent(
  first: unknown,
  ...rest: unknown[]
): ReportEventDetail | ReceivedReportEvent {
  if (rest.length === 0) return parseReceivedEvent(first);
  const detailType = first;
  if (!isDetailType(detailType)) {
    throw new ValidationError(
      `detail-type: must be one of ${ALL_DETAIL_TYPES.join(", ")}, got ${JSON.stringify(detailType)}`,
      { fields: ["detail-type"] },
    );
  }
  return parseWith(REPORT_EVENT_SCHEMAS[detailType], rest[0], `${detailType} detail`);
}

/** EventBridge's fields around a detail, as a rule delivers the event (all but `source` optional). */
export interface ReportEventEnvelope {
  source: typeof EVENT_SOURCE;
  /** EventBridge's id of this delivery; dedupe on `detail.eventId` instead. */
  id?: string;
  time?: string;
  account?: string;
  region?: string;
  resources?: string[];
}

/** A whole report event after {@link parseReportEvent}(raw): switch on `detailType` to narrow `detail`. */
export type ReceivedReportEvent = ReportEvent & ReportEventEnvelope;

/**
 * Like {@link parseReportEvent}(raw), without throwing: `{ ok: true, event }` or `{ ok: false, error }`
 * whose ValidationError names the field(s) in `error.fields`.
 *
 * @example
 * ```ts
 * const result = safeParseReportEvent(body);
 * if (!result.ok) return reject(result.error.fields); // e.g. ["detail.sha256"]
 * ```
 */
export function safeParseReportEvent(
  raw: unknown,
): { ok: true; event: ReceivedReportEvent } | { ok: false; error: ValidationError } {
  try {
    return { ok: true, event: parseReceivedEvent(raw) };
  } catch (error) {
    if (error instanceof ValidationError) return { ok: false, error };
    throw error;
  }
}

const EnvelopeSchema = z.object({
  id: z.string().optional(),
  time: z.string().optional(),
  account: z.string().optional(),
  region: z.string().optional(),
  resources: z.array(z.string()).optional(),
});

function parseReceivedEvent(raw: unknown): ReceivedReportEvent {
  let value = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new ValidationError("event: must be JSON (an EventBridge event)", { fields: ["event"] });
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ValidationError("event: must be an EventBridge event object", { fields: ["event"] });
  }
  const event = value as Record<string, unknown>;
  if (event.source !== EVENT_SOURCE) {
    throw new ValidationError(
      `source: must be "${EVENT_SOURCE}", got ${JSON.stringify(event.source ?? null)}`,
      { fields: ["source"] },
    );
  }
  const detailType = event["detail-type"];
  if (!isDetailType(detailType)) {
    throw new ValidationError(
      `detail-type: must be one of ${ALL_DETAIL_TYPES.join(", ")}, got ${JSON.stringify(detailType ?? null)}`,
      { fields: ["detail-type"] },
    );
  }
  // Wrapped so every issue's path starts with `detail.`: the field as the subscriber sees it in the event.
  const parsed = parseWith(
    EnvelopeSchema.extend({ detail: REPORT_EVENT_SCHEMAS[detailType] as z.ZodType<ReportEventDetail> }),
    event,
    `${detailType} event`,
  );
  const { detail, ...envelope } = parsed;
  const defined = Object.fromEntries(Object.entries(envelope).filter(([, v]) => v !== undefined));
  return { ...defined, source: EVENT_SOURCE, detailType, detail } as ReceivedReportEvent;
}

const EXAMPLE_JOB = "WORKFLOW_SALES_001";
const EXAMPLE_CORRELATION = "corr-7f3a";

/** Example details, one per detail-type (used by the exported docs and the tests). */
export const REPORT_STARTED_EXAMPLE: ReportStarted = {
  schemaVersion: SCHEMA_VERSION,
  eventId: eventIdFor(EXAMPLE_JOB, DetailType.ReportStarted, 1),
  jobId: EXAMPLE_JOB,
  reportType: "sales",
  correlationId: EXAMPLE_CORRELATION,
  attempt: 1,
  startedAt: "2025-08-03T15:46:09.120Z",
  requestedBy: "arn:aws:sts::123456789012:assumed-role/finance-reports-producer/billing-service",
};

export const REPORT_GENERATED_EXAMPLE: ReportGenerated = {
  schemaVersion: SCHEMA_VERSION,
  eventId: eventIdFor(EXAMPLE_JOB, DetailType.ReportGenerated),
  jobId: EXAMPLE_JOB,
  reportType: "sales",
  correlationId: EXAMPLE_CORRELATION,
  bucket: "rp-local-reports",
  key: "generated/WORKFLOW_SALES_001/WORKFLOW_SALES_001_sales_20250803_154608.json",
  uri: "s3://rp-local-reports/generated/WORKFLOW_SALES_001/WORKFLOW_SALES_001_sales_20250803_154608.json",
  format: "json",
  sizeBytes: 18_432,
  sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
  rowCount: 31,
  queryIds: ["01b5f0a2-0000-7a1c-0000-0001234abcd"],
  durationMs: 1840,
  generatedAt: "2025-08-03T15:46:10.960Z",
  summary: { total_revenue: 262000, total_orders: 412, avg_order_value: 635.92 },
  attempt: 1,
};

export const REPORT_ORGANIZED_EXAMPLE: ReportOrganized = {
  schemaVersion: SCHEMA_VERSION,
  eventId: eventIdFor(EXAMPLE_JOB, DetailType.ReportOrganized),
  jobId: EXAMPLE_JOB,
  reportType: "sales",
  correlationId: EXAMPLE_CORRELATION,
  bucket: "rp-local-reports",
  finalKey: "reports/sales/WORKFLOW_SALES_001_sales_20250803_154608.json",
  tags: { jobId: EXAMPLE_JOB, reportType: "sales", category: "sales" },
  indexKey: "reports/_index/2025-08-03.json",
  category: "sales",
  format: "json",
  sizeBytes: 18_432,
  sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
  rowCount: 31,
  generatedAt: "2025-08-03T15:46:10.960Z",
};

export const REPORT_FAILED_EXAMPLE: ReportFailed = {
  schemaVersion: SCHEMA_VERSION,
  eventId: eventIdFor(EXAMPLE_JOB, DetailType.ReportFailed, 5),
  jobId: EXAMPLE_JOB,
  reportType: "sales",
  correlationId: EXAMPLE_CORRELATION,
  error: { code: "WAREHOUSE_UNAVAILABLE", message: "warehouse did not answer within 30 s", retryable: true },
  attempt: 5,
  final: true,
};

export const REPORT_REJECTED_EXAMPLE: ReportRejected = {
  schemaVersion: SCHEMA_VERSION,
  eventId: eventIdFor("msg-3b1f9c2e", DetailType.ReportRejected),
  reportType: "sales",
  reason: "invalid report job: jobId: may contain only letters, digits, '_' and '-'",
  issues: [{ field: "jobId", message: "may contain only letters, digits, '_' and '-'" }],
  messageId: "msg-3b1f9c2e",
  body: '{"jobId":"../x","reportType":"sales"}',
  bodyTruncated: false,
};

export const REPORT_NOTIFIED_EXAMPLE: ReportNotified = {
  schemaVersion: SCHEMA_VERSION,
  eventId: eventIdFor(EXAMPLE_JOB, `${DetailType.ReportNotified}:${REPORT_ORGANIZED_EXAMPLE.eventId}`),
  jobId: EXAMPLE_JOB,
  reportType: "sales",
  correlationId: EXAMPLE_CORRELATION,
  forEventId: REPORT_ORGANIZED_EXAMPLE.eventId,
  forDetailType: DetailType.ReportOrganized,
  channels: [
    { channel: "sns", outcome: "delivered", detail: "sns message 5c1e0a7e" },
    { channel: "webhook", outcome: "skipped", detail: "no webhookUrl in job.delivery" },
  ],
  notifiedAt: "2025-08-03T15:46:12.004Z",
};

/** The example of each detail-type. */
export const REPORT_EVENT_EXAMPLES: ReportEventDetailMap = {
  ReportStarted: REPORT_STARTED_EXAMPLE,
  ReportGenerated: REPORT_GENERATED_EXAMPLE,
  ReportOrganized: REPORT_ORGANIZED_EXAMPLE,
  ReportFailed: REPORT_FAILED_EXAMPLE,
  ReportRejected: REPORT_REJECTED_EXAMPLE,
  ReportNotified: REPORT_NOTIFIED_EXAMPLE,
};

/**
 * The example detail of a detail-type (the one in its JSON Schema's `examples`), optionally for another
 * job: every mention of the example's job id is replaced and the event ids are derived again for that
 * job, as the pipeline would (so two emits for one job carry the same `eventId`, like a redelivery).
 * `reports emit` sends these; a subscriber's tests can too. Throws ValidationError naming `jobId`.
 *
 * @example
 * ```ts
 * exampleReportEvent("ReportGenerated", { jobId: "MY_TEST_1" }).key; // "generated/MY_TEST_1/…"
 * ```
 */
export function exampleReportEvent<K extends DetailType>(
  detailType: K,
  options: { jobId?: string } = {},
): ReportEventDetailMap[K] {
  const example = REPORT_EVENT_EXAMPLES[detailType] as ReportEventDetail;
  if (options.jobId === undefined) return structuredClone(example) as ReportEventDetailMap[K];
  const jobId = JobIdSchema.safeParse(options.jobId);
  if (!jobId.success) {
    throw new ValidationError(`jobId: ${jobId.error.issues[0]?.message ?? "is invalid"}`, {
      fields: ["jobId"],
    });
  }
  const id = jobId.data;
  // Job ids are [A-Za-z0-9_-], so they can be replaced inside the JSON text without escaping.
  const detail = JSON.parse(JSON.stringify(example).replaceAll(EXAMPLE_JOB, id)) as Record<string, unknown>;
  const attempt = typeof detail.attempt === "number" ? detail.attempt : undefined;
  switch (detailType) {
    case DetailType.ReportStarted:
    case DetailType.ReportFailed:
      detail.eventId = eventIdFor(id, detailType, attempt);
      break;
    case DetailType.ReportRejected:
      detail.jobId = id;
      detail.eventId = eventIdFor(id, detailType);
      break;
    case DetailType.ReportNotified:
      detail.forEventId = eventIdFor(id, detail.forDetailType as DetailType);
      detail.eventId = eventIdFor(id, `${DetailType.ReportNotified}:${detail.forEventId as string}`);
      break;
    default:
      detail.eventId = eventIdFor(id, detailType);
  }
  return parseReportEvent(detailType, detail);
}
