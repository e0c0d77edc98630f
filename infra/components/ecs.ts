/**
 * ECS on Fargate: one cluster, one ECR repository, and per process (worker, intake, organizer, notifier,
 * auditor) a task definition from the one image with its own command, a log group, a least-privilege task
 * role and a service with a circuit breaker and target-tracking autoscaling: on backlog per task for the
 * queue consumers, on requests per task for the intake (which sits behind the front door's NLB).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { API_STAGE } from "#events/front-door.js";
import type { Topology } from "#events/topology.js";
import {
  CONFIG_NAMESPACE,
  type InfraConfig,
  InfraConfigError,
  type QueueServiceId,
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
  /** The queue each service consumes (the intake: the jobs queue, which it feeds). */
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
  /** Where the intake sits behind the front door (infra/components/front-door.ts). */
  intake: IntakeWiring;
  tags: Record<string, string>;
}

export interface IntakeWiring {
  /** The NLB target group the intake's tasks register in. */
  targetGroupArn: pulumi.Input<string>;
  /** The intake tasks' own security group (in from the NLB only). */
  securityGroupId: pulumi.Input<string>;
  /** The Secrets Manager secret ECS injects as INTAKE_GATEWAY_TOKEN. */
  gatewayTokenSecretArn: pulumi.Input<string>;
  /**
   * The version of that secret's value. ECS reads a secret only when a task starts, so a new token would
   * not reach running tasks; as a container label it makes a new task definition, and so a rolling deploy.
   */
  gatewayTokenVersionId: pulumi.Input<string>;
  /** The REST API's name and so the `ApiName` dimension of the request count the intake scales on. */
  apiName: string;
  /** What the service must wait for: a target group takes registrations only once a listener uses it. */
  dependsOn: pulumi.Resource[];
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
/**
 * The intake holds no jobs: on SIGTERM it stops taking connections and lets requests in flight finish
 * (services/intake/main.ts, 10 s at most). ECS deregisters it from the NLB before that.
 */
export const INTAKE_STOP_TIMEOUT_SECONDS = 30;

/** How long a queue consumer drains on SIGTERM (DRAIN_TIMEOUT_MS), so that it ends before its stopTimeout. */
export function drainTimeoutMs(service: QueueServiceId): number {
  return service === "worker"
    ? (WORKER_STOP_TIMEOUT_SECONDS - WORKER_AFTER_DRAIN_SECONDS) * 1000
    : (CONSUMER_STOP_TIMEOUT_SECONDS - CONSUMER_AFTER_DRAIN_SECONDS) * 1000;
}

/** The worker serves /health on this port (inside the VPC only; its tasks' group admits nobody). */
export const WORKER_PORT = 8000;
/** The intake serves the front door's routes and /health on this port, reached through the NLB only. */
export const INTAKE_PORT = 8080;

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
export function livenessHealthCheck(port: number) {
  return {
    command: [
      "CMD",
      "node",
      "-e",
      `fetch("http://127.0.0.1:${port}/health/live").then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
    ],
    interval: 15,
    timeout: 5,
    retries: 3,
    startPeriod: 30,
  };
}
export const WORKER_HEALTH_CHECK = livenessHealthCheck(WORKER_PORT);
/** Same probe for the intake; it binds 0.0.0.0 (HTTP_HOST) for the NLB, which includes loopback. */
export const INTAKE_HEALTH_CHECK = livenessHealthCheck(INTAKE_PORT);

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

/** The intake container's label that carries the gateway token's secret version (see IntakeWiring). */
export const GATEWAY_TOKEN_VERSION_LABEL = "report-pipeline.gateway-token-version";

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
      // Container Insights publishes RunningTaskCount, the denominator of the per-task scaling metrics.
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
        // (The intake has its own group, from the front door: inbound from its NLB.)
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

    // The key of the job ids the pipeline derives (the intake's for Snowflake rows, INTAKE_JOB_ID_KEY; the
    // worker's for scheduled runs, JOB_ID_KEY): one value shared by every task, so a retried batch or a
    // re-run period gets the same ids whichever task serves it. Set out of band
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
              // ECS reads the intake's two secrets (the job-id key also for the worker) into the
              // environment at start (container `secrets`).
              Sid: "InjectIntakeSecrets",
              Effect: "Allow",
              Action: ["secretsmanager:GetSecretValue"],
              Resource: [this.intakeKeySecret.arn, args.intake.gatewayTokenSecretArn],
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
      // The intake emits no events, so no EVENT_BUS_NAME (kept in this place for the others: the same
      // order, the same task definition, no needless redeploy).
      ...(id === "intake" ? [] : [{ name: "EVENT_BUS_NAME", value: args.busName }]),
      { name: "REPORTS_BUCKET", value: args.bucketName },
      { name: "TMPDIR", value: "/tmp" },
    ];
    const secrets: { name: string; valueFrom: pulumi.Input<string> }[] = [];
    if (id === "intake") {
      // Names as in services/intake/config.ts. Never INTAKE_LOCAL_CALLER (local development's stand-in for
      // the gateway's authentication): here the caller comes from the gateway's IAM identity.
      environment.push(
        { name: "JOBS_QUEUE_URL", value: queue.url },
        { name: "LOG_LEVEL", value: "info" },
        { name: "HTTP_PORT", value: String(INTAKE_PORT) },
        // The NLB connects from its own addresses, not loopback (the default host).
        { name: "HTTP_HOST", value: "0.0.0.0" },
      );
      secrets.push(
        { name: "INTAKE_JOB_ID_KEY", valueFrom: this.intakeKeySecret.arn },
        { name: "INTAKE_GATEWAY_TOKEN", valueFrom: args.intake.gatewayTokenSecretArn },
      );
    } else {
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
        // The same key as the intake's: the worker derives the job ids of scheduled runs with it.
        secrets.push({ name: "JOB_ID_KEY", valueFrom: this.intakeKeySecret.arn });
      } else {
        environment.push({ name: "QUEUE_URL", value: queue.url });
      }
      // Drain, then what comes after it (WORKER_/CONSUMER_AFTER_DRAIN_SECONDS): all of it must end before
      // ECS's stopTimeout (below) sends SIGKILL, so both are derived from the same constants.
      environment.push({ name: "DRAIN_TIMEOUT_MS", value: String(drainTimeoutMs(id)) });
      if (id === "notifier")
        environment.push({ name: "NOTIFICATIONS_TOPIC_ARN", value: args.notificationsTopicArn });
    }
    const stopTimeout =
      id === "worker"
        ? WORKER_STOP_TIMEOUT_SECONDS
        : id === "intake"
          ? INTAKE_STOP_TIMEOUT_SECONDS
          : CONSUMER_STOP_TIMEOUT_SECONDS;
    const http =
      id === "worker"
        ? { port: WORKER_PORT, healthCheck: WORKER_HEALTH_CHECK }
        : id === "intake"
          ? { port: INTAKE_PORT, healthCheck: INTAKE_HEALTH_CHECK }
          : undefined;

    const containerDefinitions = pulumi
      .all([
        image,
        logGroup.name,
        pulumi.all(environment.map((e) => pulumi.output(e.value))),
        pulumi.all(secrets.map((e) => pulumi.output(e.valueFrom))),
        id === "intake" ? pulumi.output(args.intake.gatewayTokenVersionId) : undefined,
      ])
      .apply(([img, logGroupName, values, secretArns, tokenVersion]) =>
        JSON.stringify([
          {
            name: id,
            image: img,
            essential: true,
            command: svc.command ?? defaultCommand(id),
            environment: environment.map((e, i) => ({ name: e.name, value: values[i] })),
            ...(secrets.length > 0
              ? { secrets: secrets.map((e, i) => ({ name: e.name, valueFrom: secretArns[i] })) }
              : {}),
            ...(tokenVersion ? { dockerLabels: { [GATEWAY_TOKEN_VERSION_LABEL]: tokenVersion } } : {}),
            // Read-only root; scratch space (driver caches, temp files) goes to an ephemeral /tmp volume.
            readonlyRootFilesystem: true,
            mountPoints: [{ sourceVolume: "tmp", containerPath: "/tmp" }],
            // SIGTERM drains: the worker gets time to finish or release its jobs, the others less.
            stopTimeout,
            logConfiguration: {
              logDriver: "awslogs",
              options: {
                "awslogs-group": logGroupName,
                "awslogs-region": config.region,
                "awslogs-stream-prefix": id,
              },
            },
            ...(http
              ? {
                  portMappings: [{ containerPort: http.port, protocol: "tcp" }],
                  healthCheck: http.healthCheck,
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
          securityGroups: [id === "intake" ? args.intake.securityGroupId : this.securityGroup.id],
          assignPublicIp: config.network.assignPublicIp,
        },
        ...(id === "intake"
          ? {
              loadBalancers: [
                { targetGroupArn: args.intake.targetGroupArn, containerName: id, containerPort: INTAKE_PORT },
              ],
              // A new task gets this long to pass the NLB's health check before ECS replaces it.
              healthCheckGracePeriodSeconds: 60,
            }
          : {}),
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
      {
        parent: this,
        ignoreChanges: ["desiredCount"],
        ...(id === "intake" ? { dependsOn: args.intake.dependsOn } : {}),
      },
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
    const runningTasks = {
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
    };
    const tracking = (
      policyName: string,
      targetValue: number,
      metrics: aws.types.input.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetric[],
    ) =>
      new aws.appautoscaling.Policy(
        policyName,
        {
          name: policyName,
          policyType: "TargetTrackingScaling",
          serviceNamespace: scalingTarget.serviceNamespace,
          scalableDimension: scalingTarget.scalableDimension,
          resourceId: scalingTarget.resourceId,
          targetTrackingScalingPolicyConfiguration: {
            targetValue,
            scaleInCooldown: 120,
            scaleOutCooldown: 60,
            customizedMetricSpecification: { metrics },
          },
        },
        parent,
      );
    const scalingPolicy =
      id === "intake"
        ? // Requests per running task. The NLB counts no requests (it forwards TCP) and the ALB-only
          // ALBRequestCountPerTarget does not apply, so the request count is the gateway's: `Count` of the
          // stage (ApiName + Stage, emitted without detailed metrics), a sum per minute, divided by the
          // tasks, which falls as tasks are added, as target tracking needs. It also counts requests the
          // gateway refused (403, 429), so it errs towards scaling out. FILL: with no traffic the gateway
          // emits no datapoint, and without a 0 the alarm would sit in INSUFFICIENT_DATA and never scale in.
          tracking(`${name}-requests-per-task`, config.services.intake.requestsPerTaskTarget, [
            {
              id: "requests",
              returnData: false,
              metricStat: {
                stat: "Sum",
                metric: {
                  namespace: "AWS/ApiGateway",
                  metricName: "Count",
                  dimensions: [
                    { name: "ApiName", value: args.intake.apiName },
                    { name: "Stage", value: API_STAGE },
                  ],
                },
              },
            },
            runningTasks,
            // minTasks >= 1 (config), so the denominator is never 0 in steady state.
            {
              id: "requestsPerTask",
              expression: "FILL(requests, 0) / tasks",
              label: "requests per task (per minute)",
              returnData: true,
            },
          ])
        : tracking(`${name}-backlog-per-task`, config.services[id].backlogPerTaskTarget, [
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
            runningTasks,
            // minTasks >= 1 (config), so the denominator is never 0 in steady state.
            {
              id: "backlogPerTask",
              expression: "visible / tasks",
              label: "backlog per task",
              returnData: true,
            },
          ]);

    return { taskRole, taskRolePolicy, logGroup, taskDefinition, service, scalingTarget, scalingPolicy };
  }
}
