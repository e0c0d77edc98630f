/**
 * The whole pipeline from one validated config: builds the topology from events/ and hands each component
 * the names and ARNs it needs. `infra/index.ts` calls this once; tests call it under Pulumi mocks.
 */
import type * as pulumi from "@pulumi/pulumi";
import { buildTopology, type Topology } from "#events/topology.js";
import { PipelineAlarms } from "./components/alarms.js";
import { EcsServices } from "./components/ecs.js";
import { Messaging } from "./components/messaging.js";
import { NotificationTopic } from "./components/notifications.js";
import { ReportSchedules } from "./components/schedules.js";
import { SnowflakeSecret } from "./components/snowflake-secret.js";
import { ReportStorage } from "./components/storage.js";
import type { InfraConfig, ServiceId } from "./config.js";

export interface Pipeline {
  topology: Topology;
  messaging: Messaging;
  storage: ReportStorage;
  secret: SnowflakeSecret;
  notifications: NotificationTopic;
  alarmTopic: NotificationTopic;
  ecs: EcsServices;
  alarms: PipelineAlarms;
  schedules: ReportSchedules;
}

/** The alarm topic is operations-only (LocalStack has no alarms), so it is not in the topology; same naming. */
export const alarmTopicName = (topology: Topology) => `${topology.prefix}-alarms`;

export function createPipeline(config: InfraConfig): Pipeline {
  const topology = buildTopology({ prefix: config.prefix });
  const tags = { project: "report-pipeline", stackPrefix: topology.prefix, ...config.tags };

  const messaging = new Messaging("messaging", { topology, tags });
  const storage = new ReportStorage("storage", {
    bucketName: config.bucketName ?? topology.bucket.name,
    reportsInfrequentAccessDays: config.retention.reportsInfrequentAccessDays,
    reportsGlacierDays: config.retention.reportsGlacierDays,
    noncurrentVersionDays: config.retention.noncurrentVersionDays,
    tags,
  });
  const secret = new SnowflakeSecret("snowflake-secret", {
    secretName: config.snowflake.secretName,
    recoveryWindowDays: config.snowflake.recoveryWindowDays,
    rotationDays: config.snowflake.rotationDays,
    ...(config.snowflake.rotationLambdaArn ? { rotationLambdaArn: config.snowflake.rotationLambdaArn } : {}),
    tags,
  });
  const notifications = new NotificationTopic("notifications", {
    topicName: topology.notifications.topicName,
    emails: config.notifications.emails,
    httpsEndpoints: config.notifications.httpsEndpoints,
    tags,
  });
  const alarmTopic = new NotificationTopic("alarm-topic", {
    topicName: alarmTopicName(topology),
    emails: config.alarms.emails,
    tags,
  });

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
    organizer: queueRef(messaging.consumers.organizer),
    notifier: queueRef(messaging.consumers.notifier),
    auditor: queueRef(messaging.consumers.auditor),
  };
  const ecs = new EcsServices("ecs", {
    topology,
    config,
    queues,
    busArn: messaging.bus.arn,
    busName: messaging.bus.name,
    bucketArn: storage.bucket.arn,
    bucketName: storage.bucket.bucket,
    secretArn: secret.secret.arn,
    notificationsTopicArn: notifications.topic.arn,
    tags,
  });

  const alarms = new PipelineAlarms("alarms", {
    prefix: topology.prefix,
    alarmTopicArn: alarmTopic.topic.arn,
    dlqNames: [topology.jobs.dlqName, ...Object.values(topology.consumers).map((c) => c.dlqName)],
    jobsQueueName: topology.jobs.queueName,
    dlqDepthThreshold: config.alarms.dlqDepthThreshold,
    oldestJobAgeSeconds: config.alarms.oldestJobAgeSeconds,
    workerErrorRatePercent: config.alarms.workerErrorRatePercent,
    evaluationPeriods: config.alarms.evaluationPeriods,
    tags,
  });

  const schedules = new ReportSchedules("schedules", {
    prefix: topology.prefix,
    timezone: config.schedules.timezone,
    jobs: config.schedules.jobs,
    jobsQueueArn: messaging.jobs.queue.arn,
    tags,
  });

  return { topology, messaging, storage, secret, notifications, alarmTopic, ecs, alarms, schedules };
}
