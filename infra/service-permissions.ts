/**
 * What each process may do, as IAM statements: least privilege per service, every statement scoped to
 * the one queue, bus, secret, topic or bucket prefix it needs (prefixes from the S3 layout in events/).
 * Kept as a pure function so the table-driven role tests read the same statements ECS gets.
 */
import * as pulumi from "@pulumi/pulumi";
import { DetailType, EVENT_SOURCE } from "#events/names.js";
import {
  AUDIT_PREFIX,
  GENERATED_PREFIX,
  JOB_CLAIMS_PREFIX,
  REPORTS_PREFIX,
  STATE_PREFIX,
  STATEMENTS_PREFIX,
} from "#events/s3-layout.js";
import { TOPIC_KEY_PUBLISH_ACTIONS } from "./components/topic-key.js";
import type { ServiceId } from "./config.js";
import type { PolicyStatement } from "./iam.js";

type Arn = pulumi.Input<string>;

export interface ServiceResources {
  /**
   * The queue this service consumes (jobs queue for the worker, its own queue for a consumer), or, for
   * the intake, the one it feeds (the jobs queue).
   */
  queueArn: Arn;
  /** That queue's dead-letter queue. */
  dlqArn: Arn;
  busArn: Arn;
  bucketArn: Arn;
  secretArn: Arn;
  notificationsTopicArn: Arn;
  /** The KMS key the notifications topic is encrypted with. */
  topicKeyArn: Arn;
}

/** sqs-consumer receives, deletes, and extends visibility (heartbeat) on long jobs. */
export const CONSUME_ACTIONS = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"];

/**
 * The detail-types each process puts on the bus, and no others, so that no process can forge another
 * stage's event (issue 15), e.g. the organizer a ReportGenerated. Taken from the publishers:
 * worker — services/worker/process-job.ts (Started, Generated, Failed, Rejected) and dlq-sweeper.ts
 * (Failed); organizer — services/organizer/organizer.ts; notifier — services/notifier/notifier.ts.
 * The auditor only reads events, so it gets no PutEvents at all.
 */
export const EMITTED_DETAIL_TYPES: Record<ServiceId, readonly DetailType[]> = {
  worker: [
    DetailType.ReportStarted,
    DetailType.ReportGenerated,
    DetailType.ReportFailed,
    DetailType.ReportRejected,
  ],
  intake: [],
  organizer: [DetailType.ReportOrganized],
  notifier: [DetailType.ReportNotified],
  auditor: [],
};

/**
 * PutEvents on the pipeline bus, only for the pipeline's source and the service's own detail-types.
 * Condition form as AWS documents it for PutEvents (EventBridge user guide, "Example policy: Send events
 * to a custom bus in a different account"): `ForAllValues:StringEquals` on `events:source`,
 * `StringEquals` on `events:detail-type`. EventBridge authorizes each entry: one with another
 * detail-type fails with NotAuthorizedForDetailTypeException (another source: NotAuthorizedForSource…).
 */
function emitStatements(service: ServiceId, busArn: Arn): PolicyStatement[] {
  const detailTypes = EMITTED_DETAIL_TYPES[service];
  if (detailTypes.length === 0) return [];
  return [
    {
      Sid: "EmitOwnEvents",
      Effect: "Allow",
      Action: ["events:PutEvents"],
      Resource: [busArn],
      Condition: {
        "ForAllValues:StringEquals": { "events:source": [EVENT_SOURCE] },
        StringEquals: { "events:detail-type": [...detailTypes] },
      },
    },
  ];
}

const objects = (bucketArn: Arn, prefix: string): Arn => pulumi.interpolate`${bucketArn}/${prefix}*`;

/**
 * ListBucket limited to the service's own prefixes. Without it a HEAD on a missing key answers 403, not
 * 404, and the idempotency checks ("is the object already there?") could not tell absent from forbidden.
 */
function listPrefixes(sid: string, bucketArn: Arn, prefixes: string[]): PolicyStatement {
  return {
    Sid: sid,
    Effect: "Allow",
    Action: ["s3:ListBucket"],
    Resource: [bucketArn],
    Condition: { StringLike: { "s3:prefix": prefixes.map((p) => `${p}*`) } },
  };
}

export function serviceStatements(service: ServiceId, r: ServiceResources): PolicyStatement[] {
  const consume: PolicyStatement = {
    Sid: "ConsumeQueue",
    Effect: "Allow",
    Action: CONSUME_ACTIONS,
    Resource: [r.queueArn],
  };
  const emit = emitStatements(service, r.busArn);
  /** Event consumers: their redrive policy (to find the DLQ) and dead-lettering of poison events. */
  const consumerQueues: PolicyStatement[] = [
    {
      Sid: "InspectOwnQueue",
      Effect: "Allow",
      Action: ["sqs:GetQueueAttributes"],
      Resource: [r.queueArn],
    },
    {
      Sid: "DeadLetterPoison",
      Effect: "Allow",
      Action: ["sqs:GetQueueUrl", "sqs:SendMessage"],
      Resource: [r.dlqArn],
    },
  ];
  /** The consumer's idempotency ledger (claims per event id) under _state/<consumer>/. */
  const ledger = (id: string): PolicyStatement[] => [
    {
      Sid: "EventLedger",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
      Resource: [objects(r.bucketArn, `${STATE_PREFIX}${id}/`)],
    },
  ];
  switch (service) {
    case "worker":
      return [
        consume,
        {
          // The worker reads the redrive policy (last attempt) and the backlog for /health. It enqueues
          // nothing: jobs arrive through the intake (its own service, issue 18), the Scheduler and producers.
          Sid: "InspectJobsQueue",
          Effect: "Allow",
          Action: ["sqs:GetQueueAttributes"],
          Resource: [r.queueArn],
        },
        {
          Sid: "WriteGenerated",
          Effect: "Allow",
          Action: ["s3:PutObject", "s3:GetObject"],
          Resource: [objects(r.bucketArn, GENERATED_PREFIX)],
        },
        {
          // Idempotency: a job whose report was already organized is found at its canonical key (HEAD).
          // The DLQ sweeper reads a dead-lettered job's audit trail to see whether it already has a final
          // event (GET /jobs/{jobId} is the intake's now, with its own grant).
          Sid: "ReadReportsAndAuditTrail",
          Effect: "Allow",
          Action: ["s3:GetObject"],
          Resource: [objects(r.bucketArn, REPORTS_PREFIX), objects(r.bucketArn, AUDIT_PREFIX)],
        },
        {
          // Job-id claims: one conditional PUT per new job, read back on a redelivery (no delete).
          Sid: "JobClaims",
          Effect: "Allow",
          Action: ["s3:PutObject", "s3:GetObject"],
          Resource: [objects(r.bucketArn, JOB_CLAIMS_PREFIX)],
        },
        {
          // Query ids of running Snowflake statements, so a redelivered job re-attaches (no delete).
          Sid: "StatementLedger",
          Effect: "Allow",
          Action: ["s3:PutObject", "s3:GetObject"],
          Resource: [objects(r.bucketArn, STATEMENTS_PREFIX)],
        },
        listPrefixes("ListGeneratedReportsAudit", r.bucketArn, [
          GENERATED_PREFIX,
          REPORTS_PREFIX,
          AUDIT_PREFIX,
          JOB_CLAIMS_PREFIX,
          STATEMENTS_PREFIX,
        ]),
        ...emit,
        {
          Sid: "ReadSnowflakeSecret",
          Effect: "Allow",
          Action: ["secretsmanager:GetSecretValue"],
          Resource: [r.secretArn],
        },
      ];
    case "intake":
      // Its two secrets (gateway token, job-id key) are injected by ECS through the execution role, so
      // the task role reads no secret. No KMS either: the jobs queue uses SQS-managed SSE and the bucket
      // SSE-S3, neither of which asks the caller for key permissions (like the worker).
      return [
        {
          // SendMessage: POST /jobs and POST /snowflake/submit enqueue jobs. GetQueueAttributes: /health/ready.
          Sid: "FeedJobsQueue",
          Effect: "Allow",
          Action: ["sqs:SendMessage", "sqs:GetQueueAttributes"],
          Resource: [r.queueArn],
        },
        {
          // GET /jobs/{jobId} folds the job's audit trail (services/status/).
          Sid: "ReadAuditTrail",
          Effect: "Allow",
          Action: ["s3:GetObject"],
          Resource: [objects(r.bucketArn, AUDIT_PREFIX)],
        },
        listPrefixes("ListAuditTrail", r.bucketArn, [AUDIT_PREFIX]),
      ];
    case "organizer":
      return [
        consume,
        {
          Sid: "TakeGenerated",
          Effect: "Allow",
          Action: ["s3:GetObject", "s3:GetObjectTagging", "s3:DeleteObject"],
          Resource: [objects(r.bucketArn, GENERATED_PREFIX)],
        },
        {
          // Get too: latest.json and the daily index manifest are read before they are rewritten.
          Sid: "WriteReports",
          Effect: "Allow",
          Action: ["s3:PutObject", "s3:PutObjectTagging", "s3:GetObject"],
          Resource: [objects(r.bucketArn, REPORTS_PREFIX)],
        },
        listPrefixes("ListGeneratedReportsState", r.bucketArn, [
          GENERATED_PREFIX,
          REPORTS_PREFIX,
          `${STATE_PREFIX}organizer/`,
        ]),
        ...emit,
        ...consumerQueues,
        ...ledger("organizer"),
      ];
    case "notifier":
      return [
        consume,
        {
          Sid: "PublishNotifications",
          Effect: "Allow",
          Action: ["sns:Publish"],
          Resource: [r.notificationsTopicArn],
        },
        {
          // The topic is encrypted with a customer-managed key: SNS generates a data key for each message
          // with the publisher's own permissions, so Publish alone answers KMSAccessDenied.
          Sid: "EncryptNotifications",
          Effect: "Allow",
          Action: [...TOPIC_KEY_PUBLISH_ACTIONS],
          Resource: [r.topicKeyArn],
        },
        {
          // A presigned URL carries its signer's permissions, so the notifier needs read on reports/.
          Sid: "PresignReports",
          Effect: "Allow",
          Action: ["s3:GetObject"],
          Resource: [objects(r.bucketArn, REPORTS_PREFIX)],
        },
        listPrefixes("ListState", r.bucketArn, [`${STATE_PREFIX}notifier/`]),
        ...emit,
        ...consumerQueues,
        ...ledger("notifier"),
      ];
    case "auditor":
      return [
        consume,
        {
          Sid: "WriteAuditTrail",
          Effect: "Allow",
          Action: ["s3:PutObject", "s3:GetObject"],
          Resource: [objects(r.bucketArn, AUDIT_PREFIX)],
        },
        listPrefixes("ListAuditTrailAndState", r.bucketArn, [AUDIT_PREFIX, `${STATE_PREFIX}auditor/`]),
        ...emit,
        ...consumerQueues,
        ...ledger("auditor"),
      ];
  }
}
