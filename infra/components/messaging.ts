/**
 * Messaging: the jobs queue, the report-events bus with its archive, and one rule -> SQS target per
 * consumer, every queue with a DLQ. All names and patterns come from the topology in events/.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  type ConsumerId,
  type ConsumerSpec,
  consumersOf,
  type QueueSpec,
  type Topology,
} from "#events/topology.js";
import { policyDocument, policyJson } from "../iam.js";
import { DEFAULT_RETRY_POLICY, ReportEventSubscription } from "./report-event-subscription.js";

export interface MessagingArgs {
  topology: Topology;
  tags: Record<string, string>;
}

export interface QueuePair {
  queue: aws.sqs.Queue;
  dlq: aws.sqs.Queue;
}

export interface ConsumerWiring extends QueuePair {
  rule: aws.cloudwatch.EventRule;
  target: aws.cloudwatch.EventTarget;
  subscription: ReportEventSubscription;
}

/**
 * EventBridge keeps retrying a failed delivery for up to a day; after that the event goes to the consumer's
 * DLQ (the same one its queue redrives to), which the DLQ-depth alarm already watches.
 */
export const TARGET_RETRY = DEFAULT_RETRY_POLICY;

export class Messaging extends pulumi.ComponentResource {
  readonly bus: aws.cloudwatch.EventBus;
  readonly archive: aws.cloudwatch.EventArchive;
  readonly jobs: QueuePair;
  readonly consumers: Record<ConsumerId, ConsumerWiring>;
  readonly auditLogGroup: aws.cloudwatch.LogGroup;

  constructor(name: string, args: MessagingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("report-pipeline:infra:Messaging", name, {}, opts);
    const { topology, tags } = args;
    const parent = { parent: this };

    this.jobs = this.queuePair(topology.jobs, tags);

    this.bus = new aws.cloudwatch.EventBus(topology.bus.name, { name: topology.bus.name, tags }, parent);
    // No event pattern: the archive keeps everything on the bus so any consumer can be replayed.
    this.archive = new aws.cloudwatch.EventArchive(
      topology.bus.archiveName,
      {
        name: topology.bus.archiveName,
        eventSourceArn: this.bus.arn,
        retentionDays: topology.bus.archiveRetentionDays,
        description: `Replay archive of ${topology.bus.name}`,
      },
      parent,
    );

    const consumers = {} as Record<ConsumerId, ConsumerWiring>;
    for (const spec of consumersOf(topology)) consumers[spec.id] = this.consumer(spec, tags);
    this.consumers = consumers;

    this.auditLogGroup = this.auditLogsTarget(topology, tags);

    this.registerOutputs({
      busArn: this.bus.arn,
      jobsQueueUrl: this.jobs.queue.url,
      jobsDlqUrl: this.jobs.dlq.url,
    });
  }

  private queuePair(spec: QueueSpec, tags: Record<string, string>): QueuePair {
    const parent = { parent: this };
    const dlq = new aws.sqs.Queue(
      spec.dlqName,
      {
        name: spec.dlqName,
        messageRetentionSeconds: spec.dlqRetentionSeconds,
        sqsManagedSseEnabled: true,
        tags,
      },
      parent,
    );
    const queue = new aws.sqs.Queue(
      spec.queueName,
      {
        name: spec.queueName,
        visibilityTimeoutSeconds: spec.visibilityTimeoutSeconds,
        messageRetentionSeconds: spec.retentionSeconds,
        // Long polling by default: fewer empty receives for every consumer.
        receiveWaitTimeSeconds: 20,
        sqsManagedSseEnabled: true,
        redrivePolicy: pulumi.jsonStringify({
          deadLetterTargetArn: dlq.arn,
          maxReceiveCount: spec.maxReceiveCount,
        }),
        tags,
      },
      parent,
    );
    // Only the main queue may redrive into its DLQ.
    new aws.sqs.RedriveAllowPolicy(
      `${spec.dlqName}-allow`,
      {
        queueUrl: dlq.url,
        redriveAllowPolicy: pulumi.jsonStringify({
          redrivePermission: "byQueue",
          sourceQueueArns: [queue.arn],
        }),
      },
      parent,
    );
    return { queue, dlq };
  }

  /**
   * The consumer's queue pair, fed by its rule through a ReportEventSubscription (the component other teams
   * subscribe with). Its resources keep the names they had before the component existed, aliased to this
   * component as their former parent, so an existing stack adopts them without replacing any.
   */
  private consumer(spec: ConsumerSpec, tags: Record<string, string>): ConsumerWiring {
    const pair = this.queuePair(spec, tags);
    const subscription = new ReportEventSubscription(
      spec.rule.name,
      {
        eventBusName: this.bus.name,
        ruleName: spec.rule.name,
        description: spec.rule.description,
        filter: spec.rule.filter,
        target: { queue: { arn: pair.queue.arn, url: pair.queue.url } },
        targetId: `${spec.id}-queue`,
        deadLetterQueue: { arn: pair.dlq.arn, url: pair.dlq.url },
        retryPolicy: TARGET_RETRY,
        tags,
        previousParent: this,
      },
      { parent: this },
    );
    return { ...pair, rule: subscription.rule, target: subscription.target, subscription };
  }

  /** Every audited event also lands in CloudWatch Logs, searchable with Logs Insights. */
  private auditLogsTarget(topology: Topology, tags: Record<string, string>) {
    const parent = { parent: this };
    const audit = this.consumers.auditor;
    const logGroup = new aws.cloudwatch.LogGroup(
      `${topology.consumers.auditor.rule.name}-log-group`,
      { name: topology.auditLogGroup.name, retentionInDays: topology.auditLogGroup.retentionDays, tags },
      parent,
    );
    // EventBridge writes to Logs through a resource policy on the group (a role is not supported).
    const policy = new aws.cloudwatch.LogResourcePolicy(
      `${topology.consumers.auditor.rule.name}-logs-policy`,
      {
        policyName: `${topology.consumers.auditor.rule.name}-events-to-logs`,
        policyDocument: policyJson(
          policyDocument({
            Sid: "EventBridgeToAuditLogs",
            Effect: "Allow",
            Principal: { Service: ["events.amazonaws.com", "delivery.logs.amazonaws.com"] },
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: [pulumi.interpolate`${logGroup.arn}:*`],
            Condition: { ArnEquals: { "aws:SourceArn": audit.rule.arn } },
          }),
        ),
      },
      parent,
    );
    new aws.cloudwatch.EventTarget(
      `${topology.consumers.auditor.rule.name}-logs-target`,
      {
        rule: audit.rule.name,
        eventBusName: this.bus.name,
        targetId: "auditor-logs",
        arn: logGroup.arn,
        // Like the queue target of the same rule: an event Logs did not take after a day of retries goes to
        // the auditor's DLQ (whose policy already admits this rule), which the DLQ-depth alarm watches.
        // A redrive re-audits it (a no-op by event id) without rewriting Logs: the DLQ message is the record.
        deadLetterConfig: { arn: audit.dlq.arn },
        retryPolicy: { ...TARGET_RETRY },
      },
      { parent: this, dependsOn: [policy] },
    );
    return logGroup;
  }
}
