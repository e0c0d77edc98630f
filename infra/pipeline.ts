/**
 * The whole pipeline from one validated config: builds the topology from events/ and hands each component
 * the names and ARNs it needs. `infra/index.ts` calls this once; tests call it under Pulumi mocks.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { buildTopology, type Topology } from "#events/topology.js";
import { PipelineAlarms } from "./components/alarms.js";
import { PipelineDashboard } from "./components/dashboard.js";
import { EcsServices } from "./components/ecs.js";
import { FrontDoor } from "./components/front-door.js";
import { Messaging } from "./components/messaging.js";
import { NotificationTopic } from "./components/notifications.js";
import { ReportSchedules } from "./components/schedules.js";
import { ReportSchemaRegistry } from "./components/schema-registry.js";
import { SnowflakeSecret } from "./components/snowflake-secret.js";
import { ReportStorage } from "./components/storage.js";
import { TopicKey } from "./components/topic-key.js";
import type { InfraConfig, ServiceId } from "./config.js";

export interface Pipeline {
  topology: Topology;
  messaging: Messaging;
  storage: ReportStorage;
  secret: SnowflakeSecret;
  topicKey: TopicKey;
  notifications: NotificationTopic;
  alarmTopic: NotificationTopic;
  frontDoor: FrontDoor;
  ecs: EcsServices;
  alarms: PipelineAlarms;
  dashboard: PipelineDashboard;
  schedules: ReportSchedules;
  schemaRegistry: ReportSchemaRegistry;
}

/** The alarm topic is operations-only (LocalStack has no alarms), so it is not in the topology; same naming. */
export const alarmTopicName = (topology: Topology) => `${topology.prefix}-alarms`;

/**
 * `opts` go to every top-level component (and so to every resource, through its parent): a parent to nest
 * the pipeline under, or transformations (the unit tests read resource options through one).
 */
export function createPipeline(config: InfraConfig, opts: pulumi.ComponentResourceOptions = {}): Pipeline {
  const topology = buildTopology({ prefix: config.prefix });
  const tags = { project: "report-pipeline", stackPrefix: topology.prefix, ...config.tags };
  const accountId = aws.getCallerIdentityOutput({}, opts.parent ? { parent: opts.parent } : {}).accountId;

  const messaging = new Messaging("messaging", { topology, tags }, opts);
  const schemaRegistry = new ReportSchemaRegistry("schema-registry", { topology, tags }, opts);
  const storage = new ReportStorage(
    "storage",
    {
      bucketName: config.bucketName ?? topology.bucket.name,
      reportsInfrequentAccessDays: config.retention.reportsInfrequentAccessDays,
      reportsGlacierDays: config.retention.reportsGlacierDays,
      noncurrentVersionDays: config.retention.noncurrentVersionDays,
      protect: config.protect,
      tags,
    },
    opts,
  );
  const secret = new SnowflakeSecret(
    "snowflake-secret",
    {
      secretName: config.snowflake.secretName,
      recoveryWindowDays: config.snowflake.recoveryWindowDays,
      rotationDays: config.snowflake.rotationDays,
      ...(config.snowflake.rotationLambdaArn
        ? { rotationLambdaArn: config.snowflake.rotationLambdaArn }
        : {}),
      protect: config.protect,
      tags,
    },
    opts,
  );
  const topicKey = new TopicKey("topic-key", { prefix: topology.prefix, accountId, tags }, opts);
  const notifications = new NotificationTopic(
    "notifications",
    {
      topicName: topology.notifications.topicName,
      kmsKeyArn: topicKey.key.arn,
      emails: config.notifications.emails,
      httpsEndpoints: config.notifications.httpsEndpoints,
      tags,
    },
    opts,
  );
  const alarmTopic = new NotificationTopic(
    "alarm-topic",
    {
      topicName: alarmTopicName(topology),
      kmsKeyArn: topicKey.key.arn,
      emails: config.alarms.emails,
      tags,
    },
    opts,
  );

  const queueRef = (q: {
    queue: { arn: pulumi.Output<string>; url: pulumi.Output<string>; name: pulumi.Output<string> };
    dlq: { arn: pulumi.Output<string> };
  }) => ({
    arn: q.queue.arn,
    url: q.queue.url,
    name: q.queue.name,
    dlqArn: q.dlq.arn,
  });
  const queues: Record<ServiceId, ReturnType<typeof queueRef>> = {
    worker: queueRef(messaging.jobs),
    // The intake consumes nothing: this is the queue it feeds.
    intake: queueRef(messaging.jobs),
    organizer: queueRef(messaging.consumers.organizer),
    notifier: queueRef(messaging.consumers.notifier),
    auditor: queueRef(messaging.consumers.auditor),
  };
  const frontDoor = new FrontDoor(
    "front-door",
    {
      prefix: topology.prefix,
      region: config.region,
      accountId,
      vpcId: config.network.vpcId,
      subnetIds: config.network.subnetIds,
      // Secret from here on: state, integration mappings and the Secrets Manager value stay encrypted.
      gatewayToken: pulumi.secret(config.gatewayToken),
      producerPrincipals: config.frontDoor.producerPrincipals,
      snowflake: config.snowflake.apiIntegration,
      throttle: config.frontDoor.throttle,
      dailyQuota: config.frontDoor.dailyQuota,
      manageAccountLogRole: config.frontDoor.manageAccountLogRole,
      logRetentionDays: config.retention.logDays,
      tags,
    },
    opts,
  );

  const ecs = new EcsServices(
    "ecs",
    {
      topology,
      config,
      queues,
      busArn: messaging.bus.arn,
      busName: messaging.bus.name,
      bucketArn: storage.bucket.arn,
      bucketName: storage.bucket.bucket,
      secretArn: secret.secret.arn,
      notificationsTopicArn: notifications.topic.arn,
      topicKeyArn: topicKey.key.arn,
      intake: {
        targetGroupArn: frontDoor.targetGroup.arn,
        securityGroupId: frontDoor.intakeSecurityGroup.id,
        gatewayTokenSecretArn: frontDoor.gatewayTokenSecret.arn,
        gatewayTokenVersionId: frontDoor.gatewayTokenVersionId,
        apiName: frontDoor.apiName,
        dependsOn: [frontDoor.listener],
      },
      tags,
    },
    opts,
  );

  const alarms = new PipelineAlarms(
    "alarms",
    {
      prefix: topology.prefix,
      alarmTopicArn: alarmTopic.topic.arn,
      dlqNames: [topology.jobs.dlqName, ...Object.values(topology.consumers).map((c) => c.dlqName)],
      jobsQueueName: topology.jobs.queueName,
      dlqDepthThreshold: config.alarms.dlqDepthThreshold,
      oldestJobAgeSeconds: config.alarms.oldestJobAgeSeconds,
      workerErrorRatePercent: config.alarms.workerErrorRatePercent,
      evaluationPeriods: config.alarms.evaluationPeriods,
      tags,
    },
    opts,
  );

  const dashboard = new PipelineDashboard(
    "dashboard",
    {
      dashboardName: `${topology.prefix}-pipeline`,
      topology,
      region: config.region,
      alarmArns: [...alarms.dlqAlarms, alarms.oldestJobAlarm, alarms.workerErrorRateAlarm].map((a) => a.arn),
      dlqDepthThreshold: config.alarms.dlqDepthThreshold,
      oldestJobAgeSeconds: config.alarms.oldestJobAgeSeconds,
    },
    opts,
  );

  const schedules = new ReportSchedules(
    "schedules",
    {
      topology,
      accountId,
      timezone: config.schedules.timezone,
      jobs: config.schedules.jobs,
      jobsQueueArn: messaging.jobs.queue.arn,
      jobsDlq: { arn: messaging.jobs.dlq.arn, url: messaging.jobs.dlq.url },
      tags,
    },
    opts,
  );

  return {
    topology,
    messaging,
    storage,
    secret,
    topicKey,
    notifications,
    alarmTopic,
    frontDoor,
    ecs,
    alarms,
    dashboard,
    schedules,
    schemaRegistry,
  };
}
