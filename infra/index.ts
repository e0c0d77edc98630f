/**
 * The Pulumi program (`Pulumi.yaml` main). Reads the stack config once, builds the pipeline, exports what
 * operators and the other stacks need.
 */
import { readInfraConfig } from "./config.js";
import { createPipeline } from "./pipeline.js";

const pipeline = createPipeline(readInfraConfig());

export const jobsQueueUrl = pipeline.messaging.jobs.queue.url;
export const jobsDlqUrl = pipeline.messaging.jobs.dlq.url;
export const eventBusName = pipeline.messaging.bus.name;
export const eventBusArn = pipeline.messaging.bus.arn;
export const schemaRegistryName = pipeline.schemaRegistry.registry.name;
export const reportsBucket = pipeline.storage.bucket.bucket;
export const snowflakeSecretArn = pipeline.secret.secret.arn;
export const intakeJobIdKeySecretArn = pipeline.ecs.intakeKeySecret.arn;
export const notificationsTopicArn = pipeline.notifications.topic.arn;
export const alarmTopicArn = pipeline.alarmTopic.topic.arn;
export const dashboardName = pipeline.dashboard.dashboard.dashboardName;
export const dashboardUrl = pipeline.dashboard.url;
export const clusterName = pipeline.ecs.cluster.name;
export const repositoryUrl = pipeline.ecs.repository.repositoryUrl;
// The front door (infra/README.md "Front door"): where producers call, and what Snowflake's
// CREATE API INTEGRATION needs (API_AWS_ROLE_ARN, API_ALLOWED_PREFIXES).
export const apiId = pipeline.frontDoor.api.id;
export const apiInvokeUrl = pipeline.frontDoor.invokeUrl;
export const snowflakeApiRoleArn = pipeline.frontDoor.snowflakeRole.arn;
export const snowflakeApiAllowedPrefix = pipeline.frontDoor.allowedPrefix;
