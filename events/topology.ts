/**
 * The pipeline's messaging topology as typed data: the one source from which the LocalStack bootstrap
 * (`localstack/bootstrap.ts`) and the Pulumi program (`infra/`) build queues, DLQs, the bus and its rules.
 *
 * @example
 * ```ts
 * import { buildTopology } from "#events/topology.js";
 * const t = buildTopology({ prefix: "rp-dev" });
 * t.jobs.queueName;            // "rp-dev-report-jobs"
 * t.consumers.organizer.rule;  // { name: "rp-dev-organize", pattern: { source: [...], "detail-type": ["ReportGenerated"] } }
 * ```
 */
import { type EventPattern, type ReportEventFilter, reportEventPattern } from "./event-patterns.js";
import { API_STAGE } from "./front-door.js";
import { DetailType } from "./names.js";

export type { EventPattern } from "./event-patterns.js";

export interface QueueSpec {
  /** Queue name. */
  queueName: string;
  /** Dead-letter queue name. */
  dlqName: string;
  /** Receives after which SQS moves a message to the DLQ. */
  maxReceiveCount: number;
  /** Default visibility timeout of the queue, seconds. */
  visibilityTimeoutSeconds: number;
  /** How long a message is kept, seconds. */
  retentionSeconds: number;
  /** How long a dead letter is kept, seconds (kept longer than the queue so nothing expires unseen). */
  dlqRetentionSeconds: number;
}

export interface RuleSpec {
  name: string;
  description: string;
  /** Which report events the rule takes (what a ReportEventSubscription is given). */
  filter: ReportEventFilter;
  /** The rule's event pattern: reportEventPattern(filter). */
  pattern: EventPattern;
}

export const CONSUMER_IDS = ["organizer", "notifier", "auditor"] as const;
export type ConsumerId = (typeof CONSUMER_IDS)[number];

export interface ConsumerSpec extends QueueSpec {
  id: ConsumerId;
  /** The rule on the bus that feeds this consumer's queue. */
  rule: RuleSpec;
}

export interface Topology {
  prefix: string;
  /** The S3 bucket for generated and organized reports and the audit trail. */
  bucket: { name: string };
  bus: { name: string; archiveName: string; archiveRetentionDays: number };
  /** SNS topic the notifier publishes report notifications to (email / HTTPS / SQS subscribers). */
  notifications: { topicName: string };
  /** CloudWatch Logs group the audit rule also targets (every pipeline event, searchable). */
  auditLogGroup: { name: string; retentionDays: number };
  jobs: QueueSpec;
  consumers: Record<ConsumerId, ConsumerSpec>;
  /** The front door: the REST API in front of the intake (routes: events/front-door.ts ROUTES). */
  api: { name: string; stageName: string };
  /**
   * EventBridge Scheduler: the stack's one schedule group (stack-config and run-time schedules alike) and
   * the role its schedules send with (jobs queue and jobs DLQ only).
   */
  schedules: { groupName: string; roleName: string };
  /**
   * EventBridge Schema Registry: the stack's registry of the report events' schemas (one per detail-type,
   * named `<source>@<DetailType>`; Pulumi only, LocalStack community has no Schema Registry).
   */
  schemaRegistry: { name: string };
}

/**
 * What every schedule's target does when the jobs queue refuses a run: Scheduler retries it for up to an
 * hour (at most 10 times), then sends it to the jobs DLQ. One shape for Pulumi's and the CLI's schedules.
 */
export const SCHEDULE_RETRY_POLICY = { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 } as const;

export interface TopologyOptions {
  /** Prefix of every resource name, e.g. `rp-dev`; a test uses a unique one to stay isolated. */
  prefix?: string;
  /** Receives before a job goes to the jobs DLQ. */
  jobsMaxReceiveCount?: number;
  /** Receives before an event goes to a consumer's DLQ. */
  consumerMaxReceiveCount?: number;
  /** Default visibility timeout of the jobs queue, seconds. */
  jobsVisibilityTimeoutSeconds?: number;
}

export const DEFAULT_PREFIX = "rp-local";

const FOUR_DAYS = 4 * 24 * 3600;
const FOURTEEN_DAYS = 14 * 24 * 3600;

/** Names must stay valid SQS / EventBridge names: letters, digits, `-` and `_`, bounded length. */
export const PREFIX_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,30}$/;

/** An S3 bucket name (for an explicit bucket that overrides the topology's `<prefix>-reports`). */
export const BUCKET_NAME_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** An AWS region name, e.g. `eu-west-1`, `us-gov-west-1`. */
export const REGION_PATTERN = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

/** Builds the concrete topology for a name prefix. Pure: no AWS calls. */
export function buildTopology(options: TopologyOptions = {}): Topology {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new Error(`topology prefix "${prefix}" must match ${PREFIX_PATTERN} (letters, digits, - and _)`);
  }
  const n = (base: string) => `${prefix}-${base}`;
  const consumerMax = options.consumerMaxReceiveCount ?? 5;
  const queue = (base: string, maxReceiveCount: number, visibilityTimeoutSeconds: number): QueueSpec => ({
    queueName: n(base),
    dlqName: n(`${base}-dlq`),
    maxReceiveCount,
    visibilityTimeoutSeconds,
    retentionSeconds: FOUR_DAYS,
    dlqRetentionSeconds: FOURTEEN_DAYS,
  });
  const consumer = (
    id: ConsumerId,
    base: string,
    description: string,
    detailTypes: DetailType[] | undefined,
  ): ConsumerSpec => {
    const filter: ReportEventFilter = detailTypes ? { detailTypes } : {};
    return {
      id,
      ...queue(base, consumerMax, 60),
      rule: { name: n(base), description, filter, pattern: reportEventPattern(filter) },
    };
  };
  return {
    prefix,
    // Bucket names are lower-case and may not contain "_".
    bucket: { name: `${prefix.toLowerCase().replaceAll("_", "-")}-reports` },
    bus: { name: n("report-events"), archiveName: n("report-events-archive"), archiveRetentionDays: 30 },
    notifications: { topicName: n("report-notifications") },
    // EventBridge can only target log groups whose name starts with /aws/events/.
    auditLogGroup: { name: `/aws/events/${n("report-audit")}`, retentionDays: 90 },
    jobs: queue("report-jobs", options.jobsMaxReceiveCount ?? 5, options.jobsVisibilityTimeoutSeconds ?? 60),
    consumers: {
      organizer: consumer("organizer", "organize", "ReportGenerated -> S3 organization", [
        DetailType.ReportGenerated,
      ]),
      notifier: consumer("notifier", "notify", "Organized, failed and rejected reports -> notifications", [
        DetailType.ReportOrganized,
        DetailType.ReportFailed,
        DetailType.ReportRejected,
      ]),
      auditor: consumer("auditor", "audit", "Every pipeline event -> audit trail", undefined),
    },
    api: { name: n("report-api"), stageName: API_STAGE },
    schedules: { groupName: n("reports"), roleName: n("scheduler") },
    schemaRegistry: { name: n("report-events") },
  };
}

/** The consumers of a topology as a list, in a stable order. */
export function consumersOf(topology: Topology): ConsumerSpec[] {
  return CONSUMER_IDS.map((id) => topology.consumers[id]);
}
