/**
 * Generates the exported contract docs into `events/generated/` from the zod schemas: a JSON Schema for the
 * job message and one for each event detail, each event's schema for EventBridge's Schema Registry
 * (`registry/`, JSON Schema draft-04, uploaded by Pulumi), and an AsyncAPI 3 document describing the jobs queue, the
 * bus and the consumer queues its rules feed. A unit test fails when the committed files are stale.
 *
 *   npm run docs:generate           rewrite events/generated/
 *   npm run docs:generate -- --check   exit 1 (and list the files) when events/generated/ is out of date
 *
 * @example
 * ```ts
 * import { renderDocs } from "#events/generate-docs.js";
 * const files = renderDocs(); // Map { "asyncapi.json" => "...", "report-job.schema.json" => "...", ... }
 * ```
 */

import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { ERROR_CODES } from "./error-codes.js";
import { ALL_DETAIL_TYPES, type DetailType, EVENT_SOURCE, SCHEMA_VERSION } from "./names.js";
import { REPORT_EVENT_EXAMPLES, REPORT_EVENT_SCHEMAS } from "./report-events.schema.js";
import { REPORT_JOB_EXAMPLE, REPORT_TYPES, ReportJobSchema } from "./report-job.schema.js";
import {
  SCHEDULE_EXAMPLE,
  SCHEDULED_RUN_EXAMPLE,
  ScheduledRunMessageSchema,
  ScheduleSchema,
} from "./schedule.schema.js";
import { buildTopology, consumersOf, DEFAULT_PREFIX } from "./topology.js";

/** Where the generated files live. */
export const GENERATED_DIR = join(dirname(fileURLToPath(import.meta.url)), "generated");

const SCHEMA_ID_BASE = "https://report-pipeline.example/schemas";

const DESCRIPTIONS: Record<DetailType, string> = {
  ReportStarted: "A job started running (one per attempt); lets status and progress show a running job.",
  ReportGenerated: "The worker wrote the report under generated/ in S3; the organizer takes it from here.",
  ReportOrganized: "The report was moved to its canonical key under reports/<category>/, tagged and indexed.",
  ReportFailed: "A job failed; `final` is true when it will not be retried (non-retryable error or DLQ).",
  ReportRejected: "A message on the jobs queue was not a valid job; it was deleted, not retried.",
  ReportNotified: "Delivery receipt: the outcome of each notification channel for one event.",
};

/** The JSON Schema dialects written: draft-07 (the files and AsyncAPI), draft-04 (EventBridge's Schema Registry). */
type Dialect = "draft-07" | "draft-4";

/** JSON Schema of what a producer sends, i.e. the schema's input side (defaults optional). */
function jsonSchemaOf(schema: z.ZodType, target: Dialect = "draft-07"): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: "input", target, unrepresentable: "any" }) as Record<string, unknown>;
}

/** The same schema embedded in another document (no `$schema`: the enclosing document says the dialect). */
function embedded(schema: z.ZodType, target: Dialect = "draft-07"): Record<string, unknown> {
  const { $schema: _drop, ...rest } = jsonSchemaOf(schema, target);
  return rest;
}

const fileOfEvent = (dt: DetailType) => `events/${dt}.schema.json`;

/** The generated file (relative to {@link GENERATED_DIR}) that is a detail-type's schema in the Schema Registry. */
export const registrySchemaFile = (dt: DetailType) => `registry/${dt}.schema.json`;

/** The registry's schema type for {@link registrySchemaFile}'s documents (the registry takes OpenApi3 or JSONSchemaDraft4). */
export const REGISTRY_SCHEMA_TYPE = "JSONSchemaDraft4";

/**
 * The committed text of a generated file, e.g. {@link registrySchemaFile}(dt): what Pulumi uploads. The
 * generated-docs test keeps it equal to what the generator produces.
 */
export function readGeneratedFile(path: string, dir = GENERATED_DIR): string {
  return readFileSync(join(dir, path), "utf8");
}

function jobJsonSchema() {
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: `${SCHEMA_ID_BASE}/v${SCHEMA_VERSION}/report-job.schema.json`,
    title: "ReportJob",
    description:
      "A report job: the SQS message body producers send to the jobs queue. Message attributes: reportType, schemaVersion.",
    ...embedded(ReportJobSchema),
    examples: [REPORT_JOB_EXAMPLE],
  };
}

function scheduleJsonSchema() {
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: `${SCHEMA_ID_BASE}/v${SCHEMA_VERSION}/schedule.schema.json`,
    title: "Schedule",
    description:
      "A report schedule (`reports schedule create --file`): an EventBridge Scheduler expression evaluated in an IANA time zone, and the job template its runs send; parameters may be period placeholders such as {{previous_day.from}}.",
    ...embedded(ScheduleSchema),
    examples: [SCHEDULE_EXAMPLE],
  };
}

function eventJsonSchema(dt: DetailType) {
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: `${SCHEMA_ID_BASE}/v${SCHEMA_VERSION}/${fileOfEvent(dt)}`,
    title: `${dt} detail`,
    description: `${DESCRIPTIONS[dt]} The \`detail\` of an EventBridge event with source "${EVENT_SOURCE}" and detail-type "${dt}".`,
    ...embedded(REPORT_EVENT_SCHEMAS[dt]),
    examples: [REPORT_EVENT_EXAMPLES[dt]],
  };
}

/** EventBridge's envelope around a detail, as consumers receive it on their SQS queues. */
function envelopeSchema(dt: DetailType, target: Dialect = "draft-07") {
  // draft-04 has no `const`: a one-value enum says the same
  const exactly = (value: string) => (target === "draft-4" ? { enum: [value] } : { const: value });
  return {
    type: "object",
    description: `EventBridge event envelope carrying a ${dt} detail.`,
    properties: {
      version: { type: "string", ...exactly("0") },
      id: {
        type: "string",
        description: "EventBridge's id of this delivery (dedupe on detail.eventId instead).",
      },
      "detail-type": { type: "string", ...exactly(dt) },
      source: { type: "string", ...exactly(EVENT_SOURCE) },
      account: { type: "string" },
      time: { type: "string", format: "date-time" },
      region: { type: "string" },
      resources: { type: "array", items: { type: "string" } },
      detail: embedded(REPORT_EVENT_SCHEMAS[dt], target),
    },
    required: ["detail-type", "source", "detail"],
  };
}

/**
 * A detail-type's schema as EventBridge's Schema Registry takes it (JSONSchemaDraft4): the whole event as
 * a rule delivers it, its `detail` from the same zod schema as the draft-07 file. Pulumi uploads it as is.
 */
function registryJsonSchema(dt: DetailType) {
  return {
    $schema: "http://json-schema.org/draft-04/schema#",
    id: `${SCHEMA_ID_BASE}/v${SCHEMA_VERSION}/${registrySchemaFile(dt)}`,
    title: dt,
    ...envelopeSchema(dt, "draft-4"),
    description: `${DESCRIPTIONS[dt]} An EventBridge event with source "${EVENT_SOURCE}" and detail-type "${dt}"; detail.schemaVersion "${SCHEMA_VERSION}".`,
  };
}

const ref = (path: string) => ({ $ref: path });

/** The AsyncAPI 3 document: jobs queue, bus, and the consumer queues the bus's rules feed. */
export function asyncApiDocument(): Record<string, unknown> {
  const topology = buildTopology({ prefix: DEFAULT_PREFIX });
  const prefixParameter = {
    prefix: {
      description: "Topology name prefix (REPORTS_PREFIX); one per environment, e.g. rp-local, rp-prod.",
      default: DEFAULT_PREFIX,
    },
  };
  const address = (name: string) => name.replace(new RegExp(`^${DEFAULT_PREFIX}-`), "{prefix}-");
  const messageRefs = (types: readonly DetailType[]) =>
    Object.fromEntries(types.map((dt) => [dt, ref(`#/components/messages/${dt}`)]));

  const channels: Record<string, unknown> = {
    reportJobs: {
      address: address(topology.jobs.queueName),
      title: "Jobs queue (SQS)",
      description: `Report jobs. Failed receives move a job to ${address(topology.jobs.dlqName)} after ${topology.jobs.maxReceiveCount} receives.`,
      parameters: prefixParameter,
      messages: {
        ReportJob: ref("#/components/messages/ReportJob"),
        ScheduledRun: ref("#/components/messages/ScheduledRun"),
      },
    },
    reportEvents: {
      address: address(topology.bus.name),
      title: "Report events bus (EventBridge)",
      description: `Custom event bus; every event has source "${EVENT_SOURCE}" and one of the detail-types below.`,
      parameters: prefixParameter,
      messages: messageRefs(ALL_DETAIL_TYPES),
    },
  };
  const operations: Record<string, unknown> = {
    submitReportJob: {
      action: "send",
      title: "Submit a report job",
      summary: "Producers (reports CLI, services, schedules) send jobs with submitReportJob.",
      channel: ref("#/channels/reportJobs"),
      messages: [ref("#/channels/reportJobs/messages/ReportJob")],
    },
    sendScheduledRun: {
      action: "send",
      title: "Send a schedule's run",
      summary:
        "EventBridge Scheduler (in production), the local schedule runner, and `reports schedule run-now|backfill` send scheduled runs.",
      channel: ref("#/channels/reportJobs"),
      messages: [ref("#/channels/reportJobs/messages/ScheduledRun")],
    },
    consumeReportJob: {
      action: "receive",
      title: "Run a report job",
      summary:
        "The report worker receives jobs (and scheduled runs, each of which it turns into its job), runs them and emits report events.",
      channel: ref("#/channels/reportJobs"),
      messages: [
        ref("#/channels/reportJobs/messages/ReportJob"),
        ref("#/channels/reportJobs/messages/ScheduledRun"),
      ],
    },
    publishReportEvents: {
      action: "send",
      title: "Publish report events",
      summary: "The worker, organizer and notifier publish events with the ReportEventPublisher.",
      channel: ref("#/channels/reportEvents"),
      messages: ALL_DETAIL_TYPES.map((dt) => ref(`#/channels/reportEvents/messages/${dt}`)),
    },
  };

  for (const consumer of consumersOf(topology)) {
    const types = consumer.rule.pattern["detail-type"] ?? ALL_DETAIL_TYPES;
    const id = `${consumer.id}Queue`;
    channels[id] = {
      address: address(consumer.queueName),
      title: `${consumer.id} queue (SQS, fed by rule ${address(consumer.rule.name)})`,
      description: `${consumer.rule.description}. Event pattern: ${JSON.stringify(consumer.rule.pattern)}.`,
      parameters: prefixParameter,
      messages: messageRefs(types as DetailType[]),
    };
    operations[`${consumer.id}Receive`] = {
      action: "receive",
      title: `${consumer.id} consumes report events`,
      channel: ref(`#/channels/${id}`),
      messages: (types as DetailType[]).map((dt) => ref(`#/channels/${id}/messages/${dt}`)),
    };
  }

  const messages: Record<string, unknown> = {
    ReportJob: {
      name: "ReportJob",
      title: "Report job",
      summary: "Asks the worker to run one report; jobId is the idempotency key.",
      contentType: "application/json",
      headers: {
        type: "object",
        description: "SQS message attributes.",
        properties: {
          reportType: { type: "string", enum: [...REPORT_TYPES] },
          schemaVersion: { type: "string", const: SCHEMA_VERSION },
          correlationId: { type: "string" },
        },
        required: ["reportType", "schemaVersion"],
      },
      payload: embedded(ReportJobSchema),
      examples: [
        {
          name: "sales",
          headers: { reportType: REPORT_JOB_EXAMPLE.reportType, schemaVersion: SCHEMA_VERSION },
          payload: REPORT_JOB_EXAMPLE,
        },
      ],
    },
    ScheduledRun: {
      name: "ScheduledRun",
      title: "Scheduled run",
      summary:
        "A schedule fired: its job template and the scheduled time. The worker resolves the period placeholders in the schedule's time zone and derives the job id from the schedule name, the period and the job (HMAC, keyed with the project's secret), then runs it like any job.",
      contentType: "application/json",
      payload: embedded(ScheduledRunMessageSchema),
      examples: [{ name: "daily-sales", payload: SCHEDULED_RUN_EXAMPLE }],
    },
  };
  for (const dt of ALL_DETAIL_TYPES) {
    messages[dt] = {
      name: dt,
      title: dt,
      summary: DESCRIPTIONS[dt],
      contentType: "application/json",
      payload: envelopeSchema(dt),
      examples: [
        {
          name: dt,
          payload: { "detail-type": dt, source: EVENT_SOURCE, detail: REPORT_EVENT_EXAMPLES[dt] },
        },
      ],
    };
  }

  return {
    asyncapi: "3.1.0",
    info: {
      title: "Report pipeline",
      version: SCHEMA_VERSION,
      description:
        "Report jobs go to an SQS queue; the worker writes reports to S3 and emits report events to an EventBridge bus, whose rules feed each consumer's SQS queue. Generated from the zod schemas in events/ by `npm run docs:generate`; do not edit by hand.",
    },
    defaultContentType: "application/json",
    channels,
    operations,
    components: {
      messages,
      schemas: {
        ErrorCode: {
          type: "string",
          description:
            "The `code` of ReportFailed.error, of a ReportRejected reason, of an HTTP error answer and of a CLI error. `x-error-codes` gives each one's meaning and whether the pipeline retries it (`varies`: the error carries its own flag). Source: events/error-codes.ts.",
          enum: Object.keys(ERROR_CODES),
          "x-error-codes": ERROR_CODES,
        },
      },
    },
  };
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** Every generated file, by path relative to {@link GENERATED_DIR}, with its exact contents. */
export function renderDocs(): Map<string, string> {
  const files = new Map<string, string>();
  files.set("asyncapi.json", json(asyncApiDocument()));
  files.set("report-job.schema.json", json(jobJsonSchema()));
  files.set("schedule.schema.json", json(scheduleJsonSchema()));
  for (const dt of ALL_DETAIL_TYPES) files.set(fileOfEvent(dt), json(eventJsonSchema(dt)));
  for (const dt of ALL_DETAIL_TYPES) files.set(registrySchemaFile(dt), json(registryJsonSchema(dt)));
  return files;
}

/** Files currently in `dir`, relative to it. */
export function listGenerated(dir = GENERATED_DIR): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => relative(dir, join(e.parentPath, e.name)))
      .sort();
  } catch {
    return [];
  }
}

/** Paths (relative) whose committed contents differ from what the generator produces, plus strays. */
export function staleDocs(dir = GENERATED_DIR): string[] {
  const expected = renderDocs();
  const stale: string[] = [];
  for (const [path, contents] of expected) {
    let current: string | undefined;
    try {
      current = readFileSync(join(dir, path), "utf8");
    } catch {
      current = undefined;
    }
    if (current !== contents) stale.push(path);
  }
  for (const path of listGenerated(dir)) if (!expected.has(path)) stale.push(path);
  return stale.sort();
}

/** Rewrites `dir` to exactly the generated files. */
export function writeDocs(dir = GENERATED_DIR): string[] {
  const expected = renderDocs();
  for (const path of listGenerated(dir)) if (!expected.has(path)) rmSync(join(dir, path));
  for (const [path, contents] of expected) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), contents);
  }
  return [...expected.keys()].sort();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes("--check")) {
    const stale = staleDocs();
    if (stale.length > 0) {
      console.error(`events/generated is out of date (run npm run docs:generate): ${stale.join(", ")}`);
      process.exitCode = 1;
    } else {
      console.log("events/generated is up to date");
    }
  } else {
    const written = writeDocs();
    console.log(`wrote ${written.length} files to ${relative(process.cwd(), GENERATED_DIR) || "."}`);
  }
}
