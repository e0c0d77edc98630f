/**
 * ECS on Fargate: one cluster, one ECR repository, and per process (worker, organizer, notifier, auditor)
 * a task definition from the one image with its own command, a log group, a least-privilege task role and
 * a service with a circuit breaker and target-tracking autoscaling on backlog per task.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Topology } from "#events/topology.js";
import {
  CONFIG_NAMESPACE,
  type InfraConfig,
  InfraConfigError,
  SERVICE_IDS,
  type ServiceId,
} from "../config.js";
import { assumeRolePolicy, type PolicyStatement, policyDocument, policyJson } from "../iam.js";
import { type ServiceResources, serviceStatements } from "../service-permissions.js";

export interface EcsArgs {
  topology: Topology;
  config: Pick<
    InfraConfig,
    "region" | "image" | "network" | "services" | "workerConcurrency" | "retention" | "protect"
  >;
  /** The queue each service consumes. */
  queues: Record<
    ServiceId,
    {
      arn: pulumi.Input<string>;
      url: pulumi.Input<string>;
      name: pulumi.Input<string>;
      dlqArn: pulumi.Input<string>;
    }
  >;
  busArn: pulumi.Input<string>;
  busName: pulumi.Input<string>;
  bucketArn: pulumi.Input<string>;
  bucketName: pulumi.Input<string>;
  secretArn: pulumi.Input<string>;
  notificationsTopicArn: pulumi.Input<string>;
  /** The KMS key of the notifications topic (the notifier encrypts what it publishes with it). */
  topicKeyArn: pulumi.Input<string>;
  tags: Record<string, string>;
}

/** Seconds ECS waits after SIGTERM before SIGKILL (Fargate allows up to 120). */
export const WORKER_STOP_TIMEOUT_SECONDS = 120;
/**
 * What the worker does after draining, before ECS's SIGKILL: cancel what still runs (≤ 5 s,
 * CANCEL_TIMEOUT_MS), release it, and close the warehouse pool (≤ 10 s), plus slack.
 */
export const WORKER_AFTER_DRAIN_SECONDS = 20;
/** The event consumers only close their health server and SDK clients after draining. */
export const CONSUMER_STOP_TIMEOUT_SECONDS = 30;
export const CONSUMER_AFTER_DRAIN_SECONDS = 5;

/** How long a process drains on SIGTERM (DRAIN_TIMEOUT_MS), so that it ends before its stopTimeout. */
export function drainTimeoutMs(service: ServiceId): number {
  return service === "worker"
    ? (WORKER_STOP_TIMEOUT_SECONDS - WORKER_AFTER_DRAIN_SECONDS) * 1000
    : (CONSUMER_STOP_TIMEOUT_SECONDS - CONSUMER_AFTER_DRAIN_SECONDS) * 1000;
}

/** The worker serves /health (and the Snowflake intake) on this port. */
export const WORKER_PORT = 8000;

/**
 * Default command per process; all processes ship in the one image built from the repo root and run
 * their compiled entry point with plain node (`npm run build` emits dist/; no tsx in the image).
 */
export function defaultCommand(service: ServiceId): string[] {
  return ["node", `dist/services/${service}/main.js`];
}

/**
 * The image has no curl/wget (node slim), so the health probe is node itself. It asks liveness
 * (`/health/live`: the process serves and polls), not readiness: a warehouse or queue outage makes the
 * worker unready, and restarting it for that would only turn an outage into a restart loop that can trip
 * the deployment circuit breaker.
 */
export const WORKER_HEALTH_CHECK = {
  command: [
    "CMD",
    "node",
    "-e",
    `fetch("http://127.0.0.1:${WORKER_PORT}/health/live").then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
  ],
  interval: 15,
  timeout: 5,
  retries: 3,
  startPeriod: 30,
};

/** An image in ECR, as `<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag][@digest]`. */
export interface EcrImage {
  account: string;
  region: string;
  repository: string;
  /** ARN of the repository, the resource ECR's pull actions are authorized on. */
  repositoryArn: string;
}

const ECR_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/;
/** ECR repository names: lower-case path components separated by `/`. */
const ECR_REPOSITORY = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const IMAGE_DIGEST = /^sha256:[a-f0-9]{64}$/;

/**
 * The ECR repository a full image reference points at, or undefined when the image is in another
 * registry (Docker Hub, GHCR, ...). Throws an InfraConfigError for an ECR host with a malformed rest, since
 * such an image could never be pulled and the deploy would only fail when the tasks start.
 */
export function ecrImageOf(image: string): EcrImage | undefined {
  const slash = image.indexOf("/");
  if (slash < 0) return undefined;
  const host = ECR_HOST.exec(image.slice(0, slash));
  if (!host) return undefined;
  const [, account = "", region = "", china] = host;
  let rest = image.slice(slash + 1);
  const at = rest.indexOf("@");
  const digest = at >= 0 ? rest.slice(at + 1) : undefined;
  if (at >= 0) rest = rest.slice(0, at);
  const colon = rest.lastIndexOf(":");
  const tag = colon >= 0 ? rest.slice(colon + 1) : undefined;
  const repository = colon >= 0 ? rest.slice(0, colon) : rest;
  const bad = (what: string) =>
    new InfraConfigError(`invalid stack configuration:\n  ${CONFIG_NAMESPACE}:image: ${what} in "${image}"`);
  if (!ECR_REPOSITORY.test(repository) || repository.length > 256) throw bad("not an ECR repository name");
  if (tag !== undefined && !IMAGE_TAG.test(tag)) throw bad("not an image tag");
  if (digest !== undefined && !IMAGE_DIGEST.test(digest)) throw bad("not a sha256 digest");
  const partition = china ? "aws-cn" : "aws";
  return {
    account,
    region,
    repository,
    repositoryArn: `arn:${partition}:ecr:${region}:${account}:repository/${repository}`,
  };
}

const PULL_ACTIONS = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"];

/**
 * The execution role's ECR statements for the configured image: a tag is pulled from the stack's own
 * repository, a full ECR reference from the repository it names (in whatever account), and an image in
 * another registry needs no ECR permission at all.
 */
export function imagePullStatements(
  image: string,
  stackRepositoryArn: pulumi.Input<string>,
): PolicyStatement[] {
  const repositoryArn = image.includes("/") ? ecrImageOf(image)?.repositoryArn : stackRepositoryArn;
  if (repositoryArn === undefined) return [];
  return [
    // GetAuthorizationToken has no resource-level permissions; AWS requires "*" for it alone.
    { Sid: "EcrLogin", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: ["*"] },
    { Sid: "PullImage", Effect: "Allow", Action: PULL_ACTIONS, Resource: [repositoryArn] },
  ];
}

export interface EcsService {
  taskRole: aws.iam.Role;
  taskRolePolicy: aws.iam.RolePolicy;
  logGroup: aws.cloudwatch.LogGroup;
  taskDefinition: aws.ecs.TaskDefinition;
  service: aws.ecs.Service;
  scalingTarget: aws.appautoscaling.Target;
  scalingPolicy: aws.appautoscaling.Policy;
}

export class EcsServices extends pulumi.ComponentResource {
  readonly cluster: aws.ecs.Cluster;
  readonly repository: aws.ecr.Repository;
  readonly executionRole: aws.iam.Role;
  readonly intakeKeySecret: aws.secretsmanager.Secret;
  readonly securityGroup: aws.ec2.SecurityGroup;
  readonly services: Record<ServiceId, EcsService>;

  constructor(name: string, args: EcsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("report-pipeline:infra:EcsServices", name, {}, opts);
    const { topology, config, tags } = args;
    const parent = { parent: this };
    const n = (s: string) => `${topology.prefix}-${s}`;

    this.cluster = new aws.ecs.Cluster(
      n("cluster"),
      // Container Insights publishes RunningTaskCount, the denominator of backlog per task.
      { name: n("cluster"), settings: [{ name: "containerInsights", value: "enabled" }], tags },
      parent,
    );
    // The images every task definition revision refers to: a destroy or a replacement must not take them
    // along (rollback needs the previous image), hence retained and, on protected stacks, protected.
    const stateful = { parent: this, retainOnDelete: true, protect: config.protect };
    this.repository = new aws.ecr.Repository(
      n("app"),
      {
        name: n("app"),
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: "AES256" }],
        tags,
      },
      stateful,
    );
    new aws.ecr.LifecyclePolicy(
      n("app-lifecycle"),
      {
        repository: this.repository.name,
        policy: JSON.stringify({
          rules: [
            {
              rulePriority: 1,
              description: "keep the 30 newest images",
              selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 30 },
              action: { type: "expire" },
            },
          ],
        }),
      },
      parent,
    );
    const image = config.image.includes("/")
      ? pulumi.output(config.image)
      : pulumi.interpolate`${this.repository.repositoryUrl}:${config.image}`;

    this.securityGroup = new aws.ec2.SecurityGroup(
      n("tasks"),
      {
        name: n("tasks"),
        description: "Report pipeline tasks: no inbound, HTTPS out (AWS APIs, ECR, Snowflake)",
        vpcId: config.network.vpcId,
        egress: [
          { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], description: "HTTPS" },
        ],
        tags,
      },
      parent,
    );

    const logGroups = {} as Record<ServiceId, aws.cloudwatch.LogGroup>;
    for (const id of SERVICE_IDS) {
      logGroups[id] = new aws.cloudwatch.LogGroup(
        n(`${id}-logs`),
        { name: `/ecs/${topology.prefix}/${id}`, retentionInDays: config.retention.logDays, tags },
        parent,
      );
    }

    // The key of the job ids the worker's Snowflake intake derives (INTAKE_JOB_ID_KEY): one value shared
    // by every worker task, so a retried batch gets the same ids whichever task serves it. Set out of band
    // (like the Snowflake credentials) and injected by ECS as a container secret.
    this.intakeKeySecret = new aws.secretsmanager.Secret(
      n("intake-job-id-key"),
      {
        name: n("intake-job-id-key"),
        description:
          "HMAC key of the job ids the Snowflake intake derives (INTAKE_JOB_ID_KEY, >= 32 characters). Set out of band: aws secretsmanager put-secret-value --secret-id <this> --secret-string $(openssl rand -hex 32)",
        tags,
      },
      // Its value is set out of band and would be lost with the resource: retained like the repository.
      stateful,
    );

    this.executionRole = new aws.iam.Role(
      n("task-execution"),
      { name: n("task-execution"), assumeRolePolicy: assumeRolePolicy("ecs-tasks.amazonaws.com"), tags },
      parent,
    );
    new aws.iam.RolePolicy(
      n("task-execution-policy"),
      {
        role: this.executionRole.id,
        policy: policyJson(
          policyDocument(
            ...imagePullStatements(config.image, this.repository.arn),
            {
              Sid: "WriteLogs",
              Effect: "Allow",
              Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
              Resource: SERVICE_IDS.map((id) => pulumi.interpolate`${logGroups[id].arn}:*`),
            },
            {
              // ECS reads the intake key into the worker's environment at start (container `secrets`).
              Sid: "InjectIntakeKey",
              Effect: "Allow",
              Action: ["secretsmanager:GetSecretValue"],
              Resource: [this.intakeKeySecret.arn],
            },
          ),
        ),
      },
      parent,
    );

    const services = {} as Record<ServiceId, EcsService>;
    for (const id of SERVICE_IDS) services[id] = this.service(id, args, image, logGroups[id]);
    this.services = services;

    this.registerOutputs({
      clusterName: this.cluster.name,
      repositoryUrl: this.repository.repositoryUrl,
    });
  }

  private service(
    id: ServiceId,
    args: EcsArgs,
    image: pulumi.Output<string>,
    logGroup: aws.cloudwatch.LogGroup,
  ): EcsService {
    const { topology, config, tags } = args;
    const parent = { parent: this };
    const svc = config.services[id];
    const name = `${topology.prefix}-${id}`;
    const queue = args.queues[id];

    const taskRole = new aws.iam.Role(
      `${name}-task`,
      { name: `${name}-task`, assumeRolePolicy: assumeRolePolicy("ecs-tasks.amazonaws.com"), tags },
      parent,
    );
    const resources: ServiceResources = {
      queueArn: queue.arn,
      dlqArn: queue.dlqArn,
      busArn: args.busArn,
      bucketArn: args.bucketArn,
      secretArn: args.secretArn,
      notificationsTopicArn: args.notificationsTopicArn,
      topicKeyArn: args.topicKeyArn,
    };
    const taskRolePolicy = new aws.iam.RolePolicy(
      `${name}-task-policy`,
      { role: taskRole.id, policy: policyJson(policyDocument(...serviceStatements(id, resources))) },
      parent,
    );

    const environment: { name: string; value: pulumi.Input<string> }[] = [
      { name: "AWS_REGION", value: config.region },
      { name: "REPORTS_PREFIX", value: topology.prefix },
      { name: "EVENT_BUS_NAME", value: args.busName },
      { name: "REPORTS_BUCKET", value: args.bucketName },
      { name: "TMPDIR", value: "/tmp" },
    ];
    if (id === "worker") {
      environment.push(
        // Names as in services/worker/config.ts.
        { name: "JOBS_QUEUE_URL", value: queue.url },
        { name: "WAREHOUSE", value: "snowflake" },
        { name: "SNOWFLAKE_SECRET_ID", value: args.secretArn },
        { name: "WORKER_CONCURRENCY", value: String(config.workerConcurrency) },
        { name: "VISIBILITY_TIMEOUT_SECONDS", value: String(topology.jobs.visibilityTimeoutSeconds) },
        { name: "HTTP_PORT", value: String(WORKER_PORT) },
      );
    } else {
      environment.push({ name: "QUEUE_URL", value: queue.url });
    }
    // Drain, then what comes after it (WORKER_/CONSUMER_AFTER_DRAIN_SECONDS): all of it must end before
    // ECS's stopTimeout (below) sends SIGKILL, so both are derived from the same constants.
    environment.push({ name: "DRAIN_TIMEOUT_MS", value: String(drainTimeoutMs(id)) });
    if (id === "notifier")
      environment.push({ name: "NOTIFICATIONS_TOPIC_ARN", value: args.notificationsTopicArn });

    const containerDefinitions = pulumi
      .all([
        image,
        logGroup.name,
        this.intakeKeySecret.arn,
        ...environment.map((e) => pulumi.output(e.value)),
      ])
      .apply(([img, logGroupName, intakeKeyArn, ...values]) =>
        JSON.stringify([
          {
            name: id,
            image: img,
            essential: true,
            command: svc.command ?? defaultCommand(id),
            environment: environment.map((e, i) => ({ name: e.name, value: values[i] })),
            ...(id === "worker" ? { secrets: [{ name: "INTAKE_JOB_ID_KEY", valueFrom: intakeKeyArn }] } : {}),
            // Read-only root; scratch space (driver caches, temp files) goes to an ephemeral /tmp volume.
            readonlyRootFilesystem: true,
            mountPoints: [{ sourceVolume: "tmp", containerPath: "/tmp" }],
            // SIGTERM drains in-flight jobs; give the worker time to finish or release them.
            stopTimeout: id === "worker" ? WORKER_STOP_TIMEOUT_SECONDS : CONSUMER_STOP_TIMEOUT_SECONDS,
            logConfiguration: {
              logDriver: "awslogs",
              options: {
                "awslogs-group": logGroupName,
                "awslogs-region": config.region,
                "awslogs-stream-prefix": id,
              },
            },
            ...(id === "worker"
              ? {
                  portMappings: [{ containerPort: WORKER_PORT, protocol: "tcp" }],
                  healthCheck: WORKER_HEALTH_CHECK,
                }
              : {}),
          },
        ]),
      );

    const taskDefinition = new aws.ecs.TaskDefinition(
      name,
      {
        family: name,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: String(svc.cpu),
        memory: String(svc.memory),
        runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
        executionRoleArn: this.executionRole.arn,
        taskRoleArn: taskRole.arn,
        containerDefinitions,
        volumes: [{ name: "tmp" }],
        tags,
      },
      parent,
    );

    const service = new aws.ecs.Service(
      name,
      {
        name,
        cluster: this.cluster.arn,
        taskDefinition: taskDefinition.arn,
        desiredCount: svc.desiredTasks,
        launchType: "FARGATE",
        networkConfiguration: {
          subnets: config.network.subnetIds,
          securityGroups: [this.securityGroup.id],
          assignPublicIp: config.network.assignPublicIp,
        },
        deploymentCircuitBreaker: { enable: true, rollback: true },
        // `pulumi up` waits until the new tasks run and are healthy, so tasks that cannot start (image
        // missing, secret unreadable, crash on bad config) fail the deploy instead of passing it silently.
        waitForSteadyState: true,
        deploymentMinimumHealthyPercent: 100,
        deploymentMaximumPercent: 200,
        propagateTags: "SERVICE",
        tags,
      },
      // Autoscaling owns the running count after the first deploy.
      { parent: this, ignoreChanges: ["desiredCount"] },
    );

    const scalingTarget = new aws.appautoscaling.Target(
      `${name}-scaling`,
      {
        serviceNamespace: "ecs",
        scalableDimension: "ecs:service:DesiredCount",
        resourceId: pulumi.interpolate`service/${this.cluster.name}/${service.name}`,
        minCapacity: svc.minTasks,
        maxCapacity: svc.maxTasks,
        tags,
      },
      parent,
    );
    const scalingPolicy = new aws.appautoscaling.Policy(
      `${name}-backlog-per-task`,
      {
        name: `${name}-backlog-per-task`,
        policyType: "TargetTrackingScaling",
        serviceNamespace: scalingTarget.serviceNamespace,
        scalableDimension: scalingTarget.scalableDimension,
        resourceId: scalingTarget.resourceId,
        targetTrackingScalingPolicyConfiguration: {
          targetValue: svc.backlogPerTaskTarget,
          scaleInCooldown: 120,
          scaleOutCooldown: 60,
          customizedMetricSpecification: {
            metrics: [
              {
                id: "visible",
                returnData: false,
                metricStat: {
                  stat: "Sum",
                  metric: {
                    namespace: "AWS/SQS",
                    metricName: "ApproximateNumberOfMessagesVisible",
                    dimensions: [{ name: "QueueName", value: queue.name }],
                  },
                },
              },
              {
                id: "tasks",
                returnData: false,
                metricStat: {
                  stat: "Average",
                  metric: {
                    namespace: "ECS/ContainerInsights",
                    metricName: "RunningTaskCount",
                    dimensions: [
                      { name: "ClusterName", value: this.cluster.name },
                      { name: "ServiceName", value: service.name },
                    ],
                  },
                },
              },
              // minTasks >= 1 (config), so the denominator is never 0 in steady state.
              {
                id: "backlogPerTask",
                expression: "visible / tasks",
                label: "backlog per task",
                returnData: true,
              },
            ],
          },
        },
      },
      parent,
    );

    return { taskRole, taskRolePolicy, logGroup, taskDefinition, service, scalingTarget, scalingPolicy };
  }
}
