/**
 * Provisions the topology from `events/topology.ts` on whatever AWS endpoint the clients point at
 * (host-mode LocalStack, LocalStack in Docker, or a sandbox account). Idempotent: every call converges
 * the resources to the topology, so running it twice changes nothing.
 *
 * CLI: `npm run local:bootstrap [-- --prefix rp-local]` prints the provisioned URLs and ARNs as JSON.
 */
import {
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  PutRetentionPolicyCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import {
  CreateArchiveCommand,
  CreateEventBusCommand,
  DeleteArchiveCommand,
  DeleteEventBusCommand,
  DeleteRuleCommand,
  DescribeArchiveCommand,
  DescribeEventBusCommand,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from "@aws-sdk/client-eventbridge";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  HeadBucketCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
} from "@aws-sdk/client-s3";
import { DeleteScheduleGroupCommand } from "@aws-sdk/client-scheduler";
import { CreateTopicCommand, DeleteTopicCommand } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
} from "@aws-sdk/client-sqs";
import { classifyAwsError, isAwsAlreadyExists, isAwsNotFound } from "#events/aws-errors.js";
import { ReportScheduler } from "#events/report-scheduler.js";
import {
  buildTopology,
  type ConsumerId,
  consumersOf,
  type QueueSpec,
  type Topology,
} from "#events/topology.js";

import { type AwsClients, createAwsClients, destroyAwsClients } from "#services/shared/aws.js";

export interface ProvisionedQueue {
  queueUrl: string;
  queueArn: string;
  dlqUrl: string;
  dlqArn: string;
}

export interface ProvisionedConsumer extends ProvisionedQueue {
  ruleArn: string;
}

export interface ProvisionedTopology {
  topology: Topology;
  busName: string;
  busArn: string;
  bucket: string;
  notificationsTopicArn: string;
  archiveArn: string;
  auditLogGroupArn: string;
  jobs: ProvisionedQueue;
  consumers: Record<ConsumerId, ProvisionedConsumer>;
}

/** The S3 bucket that holds generated and organized reports and the audit trail. */
export function bucketNameFor(topology: Topology): string {
  return topology.bucket.name;
}

async function queueArn(clients: AwsClients, queueUrl: string): Promise<string> {
  const out = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
  );
  const arn = out.Attributes?.QueueArn;
  if (!arn) throw new Error(`queue ${queueUrl} has no QueueArn attribute`);
  return arn;
}

/** Creates (or converges) a queue; CreateQueue is idempotent only with equal attributes, so set them after. */
async function ensureQueue(clients: AwsClients, name: string, attributes: Record<string, string>) {
  const created = await clients.sqs.send(new CreateQueueCommand({ QueueName: name }));
  const queueUrl = created.QueueUrl;
  if (!queueUrl) throw new Error(`CreateQueue ${name} returned no QueueUrl`);
  await clients.sqs.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: attributes }));
  return { queueUrl, queueArn: await queueArn(clients, queueUrl) };
}

async function ensureQueueWithDlq(
  clients: AwsClients,
  spec: QueueSpec,
  policy?: (queueArn: string) => string,
): Promise<ProvisionedQueue> {
  const dlq = await ensureQueue(clients, spec.dlqName, {
    MessageRetentionPeriod: String(spec.dlqRetentionSeconds),
    SqsManagedSseEnabled: "true",
  });
  const main = await ensureQueue(clients, spec.queueName, {
    VisibilityTimeout: String(spec.visibilityTimeoutSeconds),
    MessageRetentionPeriod: String(spec.retentionSeconds),
    SqsManagedSseEnabled: "true",
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: dlq.queueArn,
      maxReceiveCount: spec.maxReceiveCount,
    }),
  });
  if (policy) {
    await clients.sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: main.queueUrl,
        Attributes: { Policy: policy(main.queueArn) },
      }),
    );
  }
  return { queueUrl: main.queueUrl, queueArn: main.queueArn, dlqUrl: dlq.queueUrl, dlqArn: dlq.queueArn };
}

/** Only this rule may send to this queue: the policy EventBridge needs to deliver to an SQS target. */
function eventBridgeSendPolicy(queueArn: string, ruleArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AllowRuleToSend",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: queueArn,
        Condition: { ArnEquals: { "aws:SourceArn": ruleArn } },
      },
    ],
  });
}

async function ensureBus(clients: AwsClients, name: string): Promise<string> {
  try {
    const out = await clients.events.send(new CreateEventBusCommand({ Name: name }));
    if (out.EventBusArn) return out.EventBusArn;
  } catch (error) {
    if (!isAwsAlreadyExists(error)) throw error;
  }
  const described = await clients.events.send(new DescribeEventBusCommand({ Name: name }));
  if (!described.Arn) throw new Error(`event bus ${name} has no ARN`);
  return described.Arn;
}

async function ensureArchive(clients: AwsClients, topology: Topology, busArn: string): Promise<string> {
  try {
    const out = await clients.events.send(
      new CreateArchiveCommand({
        ArchiveName: topology.bus.archiveName,
        EventSourceArn: busArn,
        RetentionDays: topology.bus.archiveRetentionDays,
        Description: "Every event on the report bus, for replay",
      }),
    );
    if (out.ArchiveArn) return out.ArchiveArn;
  } catch (error) {
    if (!isAwsAlreadyExists(error)) throw error;
  }
  const described = await clients.events.send(
    new DescribeArchiveCommand({ ArchiveName: topology.bus.archiveName }),
  );
  if (!described.ArchiveArn) throw new Error(`archive ${topology.bus.archiveName} has no ARN`);
  return described.ArchiveArn;
}

async function ensureLogGroup(clients: AwsClients, topology: Topology): Promise<string> {
  const name = topology.auditLogGroup.name;
  try {
    await clients.logs.send(new CreateLogGroupCommand({ logGroupName: name }));
  } catch (error) {
    if (!isAwsAlreadyExists(error)) throw error;
  }
  await clients.logs.send(
    new PutRetentionPolicyCommand({
      logGroupName: name,
      retentionInDays: topology.auditLogGroup.retentionDays,
    }),
  );
  // LocalStack's DescribeLogGroups can fail with an InternalError while other log groups are being created
  // concurrently (parallel test files); it is a read, so try again.
  let arn: string | undefined;
  for (let attempt = 1; attempt <= 8 && !arn; attempt++) {
    try {
      const described = await clients.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }));
      arn = described.logGroups?.find((g) => g.logGroupName === name)?.arn;
    } catch (error) {
      if (attempt === 8 || classifyAwsError(error).awsCode !== "InternalError") throw error;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
  if (!arn) throw new Error(`log group ${name} has no ARN`);
  // EventBridge targets a log group by its ARN without the trailing ":*".
  return arn.replace(/:\*$/, "");
}

async function ensureBucket(clients: AwsClients, bucket: string): Promise<void> {
  try {
    await clients.s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch {
    try {
      await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    } catch (error) {
      if (!isAwsAlreadyExists(error)) throw error;
    }
  }
  await clients.s3.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
  );
}

/** Provisions the whole topology; safe to call repeatedly. */
export async function provisionTopology(
  clients: AwsClients,
  topology: Topology,
): Promise<ProvisionedTopology> {
  const bucket = bucketNameFor(topology);
  // Independent pieces go out together (LocalStack answers them concurrently); a rule needs the bus and,
  // for the auditor, the log group.
  const busReady = ensureBus(clients, topology.bus.name);
  const logGroupReady = ensureLogGroup(clients, topology);
  const consumerReady = async (
    spec: ReturnType<typeof consumersOf>[number],
  ): Promise<ProvisionedConsumer> => {
    await busReady;
    const rule = await clients.events.send(
      new PutRuleCommand({
        Name: spec.rule.name,
        EventBusName: topology.bus.name,
        Description: spec.rule.description,
        EventPattern: JSON.stringify(spec.rule.pattern),
        State: "ENABLED",
      }),
    );
    const ruleArn = rule.RuleArn;
    if (!ruleArn) throw new Error(`PutRule ${spec.rule.name} returned no RuleArn`);
    const queue = await ensureQueueWithDlq(clients, spec, (arn) => eventBridgeSendPolicy(arn, ruleArn));
    const auditLogGroupArn = spec.id === "auditor" ? await logGroupReady : undefined;
    const targets = await clients.events.send(
      new PutTargetsCommand({
        Rule: spec.rule.name,
        EventBusName: topology.bus.name,
        Targets: [
          { Id: `${spec.id}-queue`, Arn: queue.queueArn },
          // The audit rule also writes every event to CloudWatch Logs.
          ...(auditLogGroupArn ? [{ Id: "auditor-logs", Arn: auditLogGroupArn }] : []),
        ],
      }),
    );
    if (targets.FailedEntryCount) {
      throw new Error(`PutTargets ${spec.rule.name} failed: ${JSON.stringify(targets.FailedEntries)}`);
    }
    return { ...queue, ruleArn };
  };
  const [busArn, , jobs, topic, archiveArn, auditLogGroupArn, ...provisionedConsumers] = await Promise.all([
    busReady,
    ensureBucket(clients, bucket),
    ensureQueueWithDlq(clients, topology.jobs),
    clients.sns.send(new CreateTopicCommand({ Name: topology.notifications.topicName })),
    busReady.then((arn) => ensureArchive(clients, topology, arn)),
    logGroupReady,
    ...consumersOf(topology).map(consumerReady),
  ]);
  // The stack's schedule group (LocalStack stores schedules but never fires them).
  await new ReportScheduler(clients.scheduler, topology.schedules.groupName).ensureGroup();
  if (!topic.TopicArn)
    throw new Error(`CreateTopic ${topology.notifications.topicName} returned no TopicArn`);
  const consumers = Object.fromEntries(
    consumersOf(topology).map((spec, i) => [spec.id, provisionedConsumers[i] as ProvisionedConsumer]),
  ) as Record<ConsumerId, ProvisionedConsumer>;
  return {
    topology,
    busName: topology.bus.name,
    busArn,
    bucket,
    notificationsTopicArn: topic.TopicArn,
    archiveArn,
    auditLogGroupArn,
    jobs,
    consumers,
  };
}

async function ignoreMissing(action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (!isAwsNotFound(error)) throw error;
  }
}

/** Removes everything `provisionTopology` made (tests use it to leave LocalStack as they found it). */
export async function destroyTopology(clients: AwsClients, provisioned: ProvisionedTopology): Promise<void> {
  const { topology } = provisioned;
  for (const spec of consumersOf(topology)) {
    await ignoreMissing(async () => {
      const targets = await clients.events.send(
        new ListTargetsByRuleCommand({ Rule: spec.rule.name, EventBusName: topology.bus.name }),
      );
      const ids = (targets.Targets ?? []).map((t) => t.Id).filter((id): id is string => Boolean(id));
      if (ids.length > 0) {
        await clients.events.send(
          new RemoveTargetsCommand({ Rule: spec.rule.name, EventBusName: topology.bus.name, Ids: ids }),
        );
      }
      await clients.events.send(
        new DeleteRuleCommand({ Name: spec.rule.name, EventBusName: topology.bus.name }),
      );
    });
  }
  await ignoreMissing(() =>
    clients.events.send(new DeleteArchiveCommand({ ArchiveName: topology.bus.archiveName })),
  );
  await ignoreMissing(() => clients.events.send(new DeleteEventBusCommand({ Name: topology.bus.name })));
  await ignoreMissing(() =>
    clients.sns.send(new DeleteTopicCommand({ TopicArn: provisioned.notificationsTopicArn })),
  );
  await ignoreMissing(() =>
    clients.logs.send(new DeleteLogGroupCommand({ logGroupName: topology.auditLogGroup.name })),
  );
  const queues = [provisioned.jobs, ...Object.values(provisioned.consumers)];
  for (const q of queues) {
    await ignoreMissing(() => clients.sqs.send(new DeleteQueueCommand({ QueueUrl: q.queueUrl })));
    await ignoreMissing(() => clients.sqs.send(new DeleteQueueCommand({ QueueUrl: q.dlqUrl })));
  }
  await ignoreMissing(() => emptyAndDeleteBucket(clients, provisioned.bucket));
  await ignoreMissing(() =>
    clients.scheduler.send(new DeleteScheduleGroupCommand({ Name: topology.schedules.groupName })),
  );
}

async function emptyAndDeleteBucket(clients: AwsClients, bucket: string): Promise<void> {
  for (let page = 0; page < 1000; page++) {
    const listed = await clients.s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    const objects = [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])]
      .filter((v) => v.Key)
      .map((v) => ({ Key: v.Key as string, ...(v.VersionId ? { VersionId: v.VersionId } : {}) }));
    if (objects.length === 0) break;
    await clients.s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }),
    );
  }
  await clients.s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}

function parsePrefixArg(argv: string[]): string | undefined {
  const i = argv.indexOf("--prefix");
  if (i === -1) return undefined;
  const value = argv[i + 1];
  if (!value || value.startsWith("--")) throw new Error("--prefix needs a value, e.g. --prefix rp-local");
  return value;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const clients = createAwsClients();
  try {
    const prefix = parsePrefixArg(process.argv.slice(2));
    const provisioned = await provisionTopology(clients, buildTopology(prefix ? { prefix } : {}));
    const { topology: _t, ...summary } = provisioned;
    console.log(JSON.stringify(summary, null, 2));
  } catch (error) {
    console.error(`bootstrap failed: ${(error as Error).message}`);
    process.exitCode = 1;
  } finally {
    destroyAwsClients(clients);
  }
}
