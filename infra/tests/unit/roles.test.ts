import { beforeAll, describe, expect, it } from "vitest";
import { ALL_DETAIL_TYPES, DetailType, EVENT_SOURCE } from "#events/names.js";
import type { Topology } from "#events/topology.js";
import { parseInfraConfig, SERVICE_IDS, type ServiceId } from "#infra/config.js";
import { configInput } from "../fixtures/config.js";
import { installMocks, MOCK_ACCOUNT, MOCK_REGION } from "../support/pulumi-mocks.js";

const mocks = installMocks();
const { createPipeline } = await import("#infra/pipeline.js");

interface Statement {
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const glob = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replaceAll("*", ".*")
      .replaceAll("?", ".")}$`,
  ).test(value);

/**
 * Whether one condition operator holds for a request key, as IAM evaluates it. A context value is one
 * request value (PutEvents is authorized per entry). ForAllValues holds vacuously when the key is absent.
 */
function conditionHolds(operator: string, patterns: string[], value: string | undefined): boolean {
  switch (operator) {
    case "StringLike":
      return value !== undefined && patterns.some((p) => glob(p, value));
    case "StringEquals":
      return value !== undefined && patterns.includes(value);
    case "ForAllValues:StringEquals":
      return value === undefined || patterns.includes(value);
    default:
      return false; // unknown operator: treat as not satisfied
  }
}

/** A small IAM evaluator: Allow statements, wildcard matching, string conditions. Enough for these policies. */
function allows(
  statements: Statement[],
  action: string,
  resource: string,
  context: Record<string, string> = {},
) {
  return statements.some((s) => {
    if (s.Effect !== "Allow") return false;
    if (!list(s.Action).some((a) => glob(a.toLowerCase(), action.toLowerCase()))) return false;
    if (!list(s.Resource).some((r) => glob(r, resource))) return false;
    return Object.entries(s.Condition ?? {}).every(([operator, entries]) =>
      Object.entries(entries).every(([key, patterns]) =>
        conditionHolds(operator, list(patterns), context[key]),
      ),
    );
  });
}

/** The request context of one PutEvents entry. */
const entry = (detailType: string, source: string = EVENT_SOURCE): Record<string, string> => ({
  "events:source": source,
  "events:detail-type": detailType,
});
const FORGED_SOURCE = "aws.s3";

const config = parseInfraConfig(configInput());
let topology: Topology;
const policies = {} as Record<ServiceId, Statement[]>;
let topicKeyArn: string;

beforeAll(async () => {
  topology = createPipeline(config).topology;
  await mocks.settle();
  topicKeyArn = String(mocks.ofType("aws:kms/key:Key")[0]?.state.arn);
  for (const id of SERVICE_IDS) {
    const rolePolicy = mocks
      .ofType("aws:iam/rolePolicy:RolePolicy")
      .find((p) => p.inputs.role === `${topology.prefix}-${id}-task`);
    if (!rolePolicy) throw new Error(`no task role policy for ${id}`);
    policies[id] = JSON.parse(rolePolicy.inputs.policy).Statement;
  }
});

// Resources by role in the table below; ARNs as AWS forms them (the mocks give the same).
const arn = (what: string): string => {
  const p = topology.prefix;
  const sqs = (name: string) => `arn:aws:sqs:${MOCK_REGION}:${MOCK_ACCOUNT}:${name}`;
  const bucket = `arn:aws:s3:::${topology.bucket.name}`;
  const table: Record<string, string> = {
    jobsQueue: sqs(topology.jobs.queueName),
    jobsDlq: sqs(topology.jobs.dlqName),
    organizeQueue: sqs(topology.consumers.organizer.queueName),
    notifyQueue: sqs(topology.consumers.notifier.queueName),
    auditQueue: sqs(topology.consumers.auditor.queueName),
    bus: `arn:aws:events:${MOCK_REGION}:${MOCK_ACCOUNT}:event-bus/${topology.bus.name}`,
    otherBus: `arn:aws:events:${MOCK_REGION}:${MOCK_ACCOUNT}:event-bus/default`,
    secret: `arn:aws:secretsmanager:${MOCK_REGION}:${MOCK_ACCOUNT}:secret:${config.snowflake.secretName}-AbCdEf`,
    otherSecret: `arn:aws:secretsmanager:${MOCK_REGION}:${MOCK_ACCOUNT}:secret:other-XyZ123`,
    topic: `arn:aws:sns:${MOCK_REGION}:${MOCK_ACCOUNT}:${topology.notifications.topicName}`,
    topicKey: topicKeyArn,
    otherKey: `arn:aws:kms:${MOCK_REGION}:${MOCK_ACCOUNT}:key/00000000-0000-0000-0000-000000000000`,
    alarmTopic: `arn:aws:sns:${MOCK_REGION}:${MOCK_ACCOUNT}:${p}-alarms`,
    bucket,
    generated: `${bucket}/generated/J1/J1_sales_20250803_154608.json`,
    report: `${bucket}/reports/sales/J1_sales_20250803_154608.json`,
    audit: `${bucket}/audit/jobs/J1/e1.json`,
    organizeDlq: sqs(topology.consumers.organizer.dlqName),
    notifyDlq: sqs(topology.consumers.notifier.dlqName),
    auditDlq: sqs(topology.consumers.auditor.dlqName),
    organizerState: `${bucket}/_state/organizer/e1.json`,
    notifierState: `${bucket}/_state/notifier/e1.json`,
    auditorState: `${bucket}/_state/auditor/e1.json`,
    jobClaim: `${bucket}/_state/worker/jobs/J1.json`,
  };
  const value = table[what];
  if (!value) throw new Error(`unknown resource ${what}`);
  return value;
};

type Row = [action: string, resource: string, allowed: boolean, context?: Record<string, string>];

const TABLE: Record<ServiceId, Row[]> = {
  worker: [
    ["sqs:ReceiveMessage", "jobsQueue", true],
    ["sqs:DeleteMessage", "jobsQueue", true],
    ["sqs:ChangeMessageVisibility", "jobsQueue", true],
    // Jobs come in through the intake (issue 18): the worker enqueues nothing.
    ["sqs:SendMessage", "jobsQueue", false],
    ["sqs:GetQueueAttributes", "jobsQueue", true],
    ["sqs:ReceiveMessage", "jobsDlq", false],
    ["sqs:ReceiveMessage", "organizeQueue", false],
    ["sqs:PurgeQueue", "jobsQueue", false],
    ["s3:PutObject", "generated", true],
    ["s3:GetObject", "generated", true],
    ["s3:ListBucket", "bucket", true, { "s3:prefix": "generated/J1/" }],
    ["s3:ListBucket", "bucket", true, { "s3:prefix": "reports/sales/" }],
    ["s3:ListBucket", "bucket", false, { "s3:prefix": "_state/" }],
    ["s3:GetObject", "report", true],
    ["s3:PutObject", "report", false],
    ["s3:DeleteObject", "generated", false],
    ["s3:GetObject", "audit", true],
    ["s3:PutObject", "audit", false],
    ["s3:GetObject", "organizerState", false],
    ["s3:PutObject", "jobClaim", true],
    ["s3:GetObject", "jobClaim", true],
    ["s3:DeleteObject", "jobClaim", false],
    ["s3:ListBucket", "bucket", true, { "s3:prefix": "_state/worker/jobs/J1.json" }],
    ["events:PutEvents", "bus", true, entry(DetailType.ReportStarted)],
    ["events:PutEvents", "bus", true, entry(DetailType.ReportGenerated)],
    ["events:PutEvents", "bus", true, entry(DetailType.ReportFailed)],
    ["events:PutEvents", "bus", true, entry(DetailType.ReportRejected)],
    ["events:PutEvents", "bus", false, entry(DetailType.ReportOrganized)],
    ["events:PutEvents", "bus", false, entry(DetailType.ReportNotified)],
    ["events:PutEvents", "bus", false, entry(DetailType.ReportGenerated, FORGED_SOURCE)],
    ["events:PutEvents", "bus", false, entry("SomethingElse")],
    ["events:PutEvents", "otherBus", false, entry(DetailType.ReportGenerated)],
    ["secretsmanager:GetSecretValue", "secret", true],
    ["secretsmanager:GetSecretValue", "otherSecret", false],
    ["secretsmanager:PutSecretValue", "secret", false],
    ["sns:Publish", "topic", false],
    ["kms:GenerateDataKey", "topicKey", false],
  ],
  intake: [
    ["sqs:SendMessage", "jobsQueue", true],
    ["sqs:GetQueueAttributes", "jobsQueue", true],
    ["sqs:ReceiveMessage", "jobsQueue", false],
    ["sqs:DeleteMessage", "jobsQueue", false],
    ["sqs:PurgeQueue", "jobsQueue", false],
    ["sqs:SendMessage", "jobsDlq", false],
    ["sqs:SendMessage", "organizeQueue", false],
    ["s3:GetObject", "audit", true],
    ["s3:ListBucket", "bucket", true, { "s3:prefix": "audit/jobs/J1/" }],
    ["s3:ListBucket", "bucket", false, { "s3:prefix": "reports/" }],
    ["s3:ListBucket", "bucket", false, { "s3:prefix": "_state/" }],
    ["s3:PutObject", "audit", false],
    ["s3:DeleteObject", "audit", false],
    ["s3:GetObject", "report", false],
    ["s3:GetObject", "generated", false],
    ["s3:GetObject", "jobClaim", false],
    ["s3:PutObject", "jobClaim", false],
    ["events:PutEvents", "bus", false, entry(DetailType.ReportGenerated)],
    ["events:PutEvents", "bus", false, entry(DetailType.ReportRejected)],
    // Its secrets come from ECS (execution role), not from its own role.
    ["secretsmanager:GetSecretValue", "secret", false],
    ["secretsmanager:GetSecretValue", "otherSecret", false],
    ["sns:Publish", "topic", false],
    ["kms:GenerateDataKey", "topicKey", false],
  ],
  organizer: [
    ["sqs:ReceiveMessage", "organizeQueue", true],
    ["sqs:DeleteMessage", "organizeQueue", true],
    ["sqs:ReceiveMessage", "jobsQueue", false],
    ["sqs:SendMessage", "jobsQueue", false],
    ["s3:GetObject", "generated", true],
    ["s3:DeleteObject", "generated", true],
    ["s3:PutObject", "generated", false],
    ["s3:PutObject", "report", true],
    ["s3:PutObjectTagging", "report", true],
    ["s3:DeleteObject", "report", false],
    ["s3:PutObject", "audit", false],
    ["events:PutEvents", "bus", true, entry(DetailType.ReportOrganized)],
    ["events:PutEvents", "bus", false, entry(DetailType.ReportGenerated)],
    ["events:PutEvents", "bus", false, entry(DetailType.ReportFailed)],
    ["events:PutEvents", "bus", false, entry(DetailType.ReportOrganized, FORGED_SOURCE)],
    ["events:PutEvents", "otherBus", false, entry(DetailType.ReportOrganized)],
    ["secretsmanager:GetSecretValue", "secret", false],
    ["sns:Publish", "topic", false],
    ["sqs:SendMessage", "organizeDlq", true],
    // Dead letters go to its DLQ only: sending to its own queue would loop a poison event.
    ["sqs:SendMessage", "organizeQueue", false],
    ["sqs:SendMessage", "notifyDlq", false],
    ["s3:PutObject", "organizerState", true],
    ["s3:DeleteObject", "organizerState", true],
    ["s3:PutObject", "notifierState", false],
  ],
  notifier: [
    ["sqs:ReceiveMessage", "notifyQueue", true],
    ["sqs:ChangeMessageVisibility", "notifyQueue", true],
    ["sqs:ReceiveMessage", "auditQueue", false],
    ["sns:Publish", "topic", true],
    ["sns:Publish", "alarmTopic", false],
    // The topics are encrypted with the pipeline's key; SNS uses the publisher's permissions on it.
    ["kms:GenerateDataKey", "topicKey", true],
    ["kms:Decrypt", "topicKey", true],
    ["kms:GenerateDataKey", "otherKey", false],
    ["kms:Encrypt", "topicKey", false],
    ["s3:GetObject", "report", true],
    ["s3:GetObject", "generated", false],
    ["s3:PutObject", "report", false],
    ["events:PutEvents", "bus", true, entry(DetailType.ReportNotified)],
    ["events:PutEvents", "bus", false, entry(DetailType.ReportOrganized)],
    ["events:PutEvents", "bus", false, entry(DetailType.ReportFailed)],
    ["events:PutEvents", "bus", false, entry(DetailType.ReportNotified, FORGED_SOURCE)],
    ["secretsmanager:GetSecretValue", "secret", false],
    ["sqs:SendMessage", "notifyDlq", true],
    // Dead letters go to its DLQ only: sending to its own queue would loop a poison event.
    ["sqs:SendMessage", "notifyQueue", false],
    ["sqs:SendMessage", "jobsQueue", false],
    ["s3:PutObject", "notifierState", true],
    ["s3:GetObject", "auditorState", false],
  ],
  auditor: [
    ["sqs:ReceiveMessage", "auditQueue", true],
    ["sqs:DeleteMessage", "auditQueue", true],
    ["sqs:ReceiveMessage", "notifyQueue", false],
    ["s3:PutObject", "audit", true],
    ["s3:GetObject", "audit", true],
    ["s3:ListBucket", "bucket", true, { "s3:prefix": "audit/jobs/J1/" }],
    ["s3:ListBucket", "bucket", false, { "s3:prefix": "reports/" }],
    ["s3:DeleteObject", "audit", false],
    ["s3:PutObject", "report", false],
    ["s3:GetObject", "generated", false],
    ["events:PutEvents", "bus", false, entry(DetailType.ReportNotified)],
    ["events:PutEvents", "bus", false, entry(DetailType.ReportGenerated)],
    ["secretsmanager:GetSecretValue", "secret", false],
    ["sns:Publish", "topic", false],
    ["sqs:SendMessage", "auditDlq", true],
    // Dead letters go to its DLQ only: sending to its own queue would loop a poison event.
    ["sqs:SendMessage", "auditQueue", false],
    ["s3:PutObject", "auditorState", true],
    ["s3:PutObject", "organizerState", false],
  ],
};

/** Everything each role may do, exactly: a new permission must be added here on purpose. */
const EXACT_ACTIONS: Record<ServiceId, string[]> = {
  worker: [
    "events:PutEvents",
    "s3:GetObject",
    "s3:ListBucket",
    "s3:PutObject",
    "secretsmanager:GetSecretValue",
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:ReceiveMessage",
  ],
  intake: ["s3:GetObject", "s3:ListBucket", "sqs:GetQueueAttributes", "sqs:SendMessage"],
  organizer: [
    "events:PutEvents",
    "s3:DeleteObject",
    "s3:GetObject",
    "s3:GetObjectTagging",
    "s3:ListBucket",
    "s3:PutObject",
    "s3:PutObjectTagging",
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
    "sqs:SendMessage",
  ],
  notifier: [
    "events:PutEvents",
    "kms:Decrypt",
    "kms:GenerateDataKey",
    "s3:DeleteObject",
    "s3:GetObject",
    "s3:ListBucket",
    "s3:PutObject",
    "sns:Publish",
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
    "sqs:SendMessage",
  ],
  auditor: [
    "s3:DeleteObject",
    "s3:GetObject",
    "s3:ListBucket",
    "s3:PutObject",
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
    "sqs:SendMessage",
  ],
};

/**
 * The detail-types each process publishes (worker: services/worker/process-job.ts and dlq-sweeper.ts;
 * organizer: services/organizer/organizer.ts; notifier: services/notifier/notifier.ts). Written out here,
 * not imported from infra/, so that a policy granting one more detail-type fails.
 */
const EMITS: Record<ServiceId, DetailType[]> = {
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

describe.each(SERVICE_IDS)("task role of %s", (id) => {
  it.each(TABLE[id])("%s on %s -> allowed=%s", (action, resource, allowed, context) => {
    expect(allows(policies[id], action, arn(resource), context)).toBe(allowed);
  });

  it("grants exactly the expected actions, and none with a wildcard or on *", () => {
    const actions = [...new Set(policies[id].flatMap((s) => list(s.Action)))].sort();
    expect(actions).toEqual(EXACT_ACTIONS[id]);
    for (const s of policies[id]) {
      expect(s.Effect).toBe("Allow");
      expect(list(s.Resource)).not.toContain("*");
    }
  });

  it.each(ALL_DETAIL_TYPES)("may put %s on the pipeline bus only if it emits it", (detailType) => {
    // Prepare
    const expected = EMITS[id].includes(detailType);
    // Act
    const allowed = allows(policies[id], "events:PutEvents", arn("bus"), entry(detailType));
    // Assess
    expect(allowed).toBe(expected);
  });

  it("conditions PutEvents on exactly its detail-types and the pipeline source", () => {
    // Prepare
    const putEvents = policies[id].filter((s) => list(s.Action).includes("events:PutEvents"));
    // Assess
    if (EMITS[id].length === 0) {
      expect(putEvents).toEqual([]);
      return;
    }
    expect(putEvents).toHaveLength(1);
    const condition = putEvents[0]?.Condition ?? {};
    expect(Object.keys(condition).sort()).toEqual(["ForAllValues:StringEquals", "StringEquals"]);
    expect(condition["ForAllValues:StringEquals"]).toEqual({ "events:source": [EVENT_SOURCE] });
    expect(Object.keys(condition.StringEquals ?? {})).toEqual(["events:detail-type"]);
    expect(list(condition.StringEquals?.["events:detail-type"]).sort()).toEqual([...EMITS[id]].sort());
  });

  it("is assumable by ECS tasks only", () => {
    const role = mocks
      .ofType("aws:iam/role:Role")
      .find((r) => r.inputs.name === `${topology.prefix}-${id}-task`);
    expect(JSON.parse(role?.inputs.assumeRolePolicy).Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
  });
});
