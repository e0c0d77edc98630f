/**
 * Deployment hardening under Pulumi mocks: alarm delivery through a customer-managed key, deploys that wait
 * for healthy tasks, dead letters for the schedules, and the task definitions' safety properties (log
 * permissions, stop timeout vs drain, scaling per task, network and filesystem, environment vs the
 * processes' own config schemas). Each test names the mistake it catches.
 */
import type * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import type { Topology } from "#events/topology.js";
import { parseInfraConfig, QUEUE_SERVICE_IDS, SERVICE_IDS, type ServiceId } from "#infra/config.js";
import { ConsumerConfigSchema } from "#services/consumers/config.js";
import { IntakeConfigSchema } from "#services/intake/config.js";
import { WorkerConfigSchema } from "#services/worker/config.js";
import { configInput } from "../fixtures/config.js";
import { installMocks, MOCK_ACCOUNT, type RecordedResource } from "../support/pulumi-mocks.js";

const mocks = installMocks();
const { createPipeline } = await import("#infra/pipeline.js");

/** Resource options as the program passed them; the mocks only see inputs, so a transformation records them. */
const options = new Map<string, pulumi.CustomResourceOptions>();
const recordOptions: pulumi.ResourceTransformation = ({ type, name, opts }) => {
  options.set(`${type}::${name}`, opts);
  return undefined;
};

const config = parseInfraConfig(configInput({ protect: true }));
let topology: Topology;

beforeAll(async () => {
  topology = createPipeline(config, { transformations: [recordOptions] }).topology;
  await mocks.settle();
});

interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: unknown;
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}
const statementsOf = (policy: string): Statement[] => JSON.parse(policy).Statement;
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

const byName = (type: string, name: string): RecordedResource => {
  const found = mocks.ofType(type).find((r) => r.inputs.name === name || r.inputs.bucket === name);
  if (!found) throw new Error(`no ${type} named ${name}`);
  return found;
};
const topicKey = () => {
  const [key, ...others] = mocks.ofType("aws:kms/key:Key");
  if (!key || others.length > 0) throw new Error("expected exactly one KMS key");
  return key;
};

interface Container {
  name: string;
  image: string;
  environment: { name: string; value: string }[];
  secrets?: { name: string; valueFrom: string }[];
  readonlyRootFilesystem?: boolean;
  stopTimeout?: number;
}
const containersOf = (id: ServiceId): Container[] => {
  const td = mocks
    .ofType("aws:ecs/taskDefinition:TaskDefinition")
    .find((t) => t.inputs.family === `${topology.prefix}-${id}`);
  if (!td) throw new Error(`no task definition for ${id}`);
  return JSON.parse(td.inputs.containerDefinitions);
};

describe("alarm and notification topics", () => {
  it("encrypts both topics with the pipeline's customer-managed key, not the AWS-managed SNS key", () => {
    // Prepare
    const key = topicKey();
    // Act
    const topics = mocks.ofType("aws:sns/topic:Topic");
    // Assess
    expect(topics.map((t) => t.inputs.name).sort()).toEqual(
      [topology.notifications.topicName, `${topology.prefix}-alarms`].sort(),
    );
    for (const topic of topics) expect(topic.inputs.kmsMasterKeyId, topic.name).toBe(key.state.arn);
    expect(key.inputs.enableKeyRotation).toBe(true);
    const [alias] = mocks.ofType("aws:kms/alias:Alias");
    expect(alias?.inputs).toMatchObject({
      name: `alias/${topology.prefix}-topics`,
      targetKeyId: key.state.arn,
    });
  });

  it("lets CloudWatch alarms and EventBridge of this account use the key, and the account administer it", () => {
    // Prepare
    const statements = statementsOf(topicKey().inputs.policy);
    const forService = (service: string) =>
      statements.find((s) => JSON.stringify(s.Principal) === JSON.stringify({ Service: service }));
    // Assess
    for (const service of ["cloudwatch.amazonaws.com", "events.amazonaws.com"]) {
      const s = forService(service);
      expect(s?.Effect, service).toBe("Allow");
      expect(list(s?.Action).sort(), service).toEqual(["kms:Decrypt", "kms:GenerateDataKey*"]);
      expect(s?.Condition, service).toEqual({ StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT } });
    }
    const admin = statements.find(
      (s) => JSON.stringify(s.Principal) === JSON.stringify({ AWS: `arn:aws:iam::${MOCK_ACCOUNT}:root` }),
    );
    expect(list(admin?.Action)).toEqual(["kms:*"]);
  });

  it("lets the notifier, which publishes to the encrypted topic, use exactly that key", () => {
    // Prepare
    const policy = mocks
      .ofType("aws:iam/rolePolicy:RolePolicy")
      .find((p) => p.inputs.role === `${topology.prefix}-notifier-task`);
    // Act
    const kms = statementsOf(policy?.inputs.policy).filter((s) =>
      list(s.Action).some((a) => a.startsWith("kms:")),
    );
    // Assess
    expect(kms).toEqual([
      {
        Sid: "EncryptNotifications",
        Effect: "Allow",
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: [topicKey().state.arn],
      },
    ]);
  });
});

describe("schedules", () => {
  it("dead-letters runs the Scheduler could not deliver into the jobs DLQ (swept, alarmed, redrivable)", () => {
    const dlq = byName("aws:sqs/queue:Queue", topology.jobs.dlqName);
    expect(dlq.inputs.sqsManagedSseEnabled).toBe(true);
    const schedules = mocks.ofType("aws:scheduler/schedule:Schedule");
    expect(schedules.length).toBe(config.schedules.jobs.length);
    for (const s of schedules)
      expect(s.inputs.target.deadLetterConfig, s.name).toEqual({ arn: dlq.state.arn });
  });

  it("admits only this account's schedules of the pipeline's group to that DLQ", () => {
    const dlq = byName("aws:sqs/queue:Queue", topology.jobs.dlqName);
    const group = byName("aws:scheduler/scheduleGroup:ScheduleGroup", `${topology.prefix}-reports`);
    const policy = mocks
      .ofType("aws:sqs/queuePolicy:QueuePolicy")
      .find((p) => p.inputs.queueUrl === dlq.state.url);
    const [statement, ...rest] = statementsOf(policy?.inputs.policy);
    expect(rest).toEqual([]);
    expect(statement).toMatchObject({
      Effect: "Allow",
      Principal: { Service: "scheduler.amazonaws.com" },
      Action: ["sqs:SendMessage"],
      Resource: [dlq.state.arn],
      Condition: {
        StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT },
        ArnLike: {
          "aws:SourceArn": `${String(group.state.arn).replace(":schedule-group/", ":schedule/")}/*`,
        },
      },
    });
  });
});

describe("ECS deploys", () => {
  it("waits for steady state, so tasks that fail to start fail `pulumi up`", () => {
    const services = mocks.ofType("aws:ecs/service:Service");
    expect(services).toHaveLength(SERVICE_IDS.length);
    for (const svc of services) expect(svc.inputs.waitForSteadyState, svc.name).toBe(true);
  });

  it("lets the execution role write only to the services' own log groups (no logs:* on *)", () => {
    // Prepare
    const policy = mocks
      .ofType("aws:iam/rolePolicy:RolePolicy")
      .find((p) => String(p.name).endsWith("task-execution-policy"));
    const logGroupArns = SERVICE_IDS.map(
      (id) => byName("aws:cloudwatch/logGroup:LogGroup", `/ecs/${topology.prefix}/${id}`).state.arn,
    );
    // Act
    const logs = statementsOf(policy?.inputs.policy).filter((s) =>
      list(s.Action).some((a) => a.startsWith("logs:")),
    );
    // Assess
    expect(logs).toHaveLength(1);
    expect(list(logs[0]?.Action).sort()).toEqual(["logs:CreateLogStream", "logs:PutLogEvents"]);
    expect(list(logs[0]?.Resource).sort()).toEqual(logGroupArns.map((arn) => `${arn}:*`).sort());
  });

  it("keeps every task off public IPs and on a read-only root filesystem", () => {
    for (const svc of mocks.ofType("aws:ecs/service:Service"))
      expect(svc.inputs.networkConfiguration.assignPublicIp, svc.name).toBe(false);
    for (const id of SERVICE_IDS)
      for (const container of containersOf(id))
        expect(container.readonlyRootFilesystem, `${id}/${container.name}`).toBe(true);
  });

  it("scales every queue consumer on backlog per running task: visible messages of its queue / its RunningTaskCount", () => {
    for (const id of QUEUE_SERVICE_IDS) {
      // Prepare
      const name = `${topology.prefix}-${id}`;
      const policy = byName("aws:appautoscaling/policy:Policy", `${name}-backlog-per-task`);
      const metrics: {
        id: string;
        expression?: string;
        returnData?: boolean;
        metricStat?: { metric: { namespace: string; metricName: string; dimensions: object[] } };
      }[] = policy.inputs.targetTrackingScalingPolicyConfiguration.customizedMetricSpecification.metrics;
      const queueName = id === "worker" ? topology.jobs.queueName : topology.consumers[id].queueName;
      // Act
      const returned = metrics.filter((m) => m.returnData);
      const [, numerator, denominator] =
        /^\s*(\w+)\s*\/\s*(\w+)\s*$/.exec(returned[0]?.expression ?? "") ?? [];
      const metric = (metricId: string | undefined) =>
        metrics.find((m) => m.id === metricId)?.metricStat?.metric;
      // Assess
      expect(returned, id).toHaveLength(1);
      expect(metric(numerator), id).toEqual({
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: [{ name: "QueueName", value: queueName }],
      });
      expect(metric(denominator), id).toEqual({
        namespace: "ECS/ContainerInsights",
        metricName: "RunningTaskCount",
        dimensions: [
          { name: "ClusterName", value: `${topology.prefix}-cluster` },
          { name: "ServiceName", value: name },
        ],
      });
    }
  });
});

describe("container environment vs the processes' config schemas", () => {
  /** Each process parses its environment with its own schema (services/<process>/config.ts). */
  const SCHEMAS = {
    worker: WorkerConfigSchema,
    intake: IntakeConfigSchema,
    organizer: ConsumerConfigSchema,
    notifier: ConsumerConfigSchema,
    auditor: ConsumerConfigSchema,
  } satisfies Record<ServiceId, unknown>;
  /** Read by the runtime (Node's os.tmpdir), not by the process's config. */
  const RUNTIME_VARS = new Set(["TMPDIR"]);
  /** What production must set explicitly, since the schemas fall back to local defaults without them. */
  const REQUIRED: Record<ServiceId, string[]> = {
    worker: ["JOBS_QUEUE_URL", "EVENT_BUS_NAME", "REPORTS_BUCKET", "SNOWFLAKE_SECRET_ID"],
    // Without the key each task would derive other ids for one Snowflake row; without the token it refuses all.
    intake: ["JOBS_QUEUE_URL", "REPORTS_BUCKET", "INTAKE_JOB_ID_KEY", "INTAKE_GATEWAY_TOKEN"],
    organizer: ["QUEUE_URL", "EVENT_BUS_NAME", "REPORTS_BUCKET"],
    notifier: ["QUEUE_URL", "EVENT_BUS_NAME", "REPORTS_BUCKET", "NOTIFICATIONS_TOPIC_ARN"],
    auditor: ["QUEUE_URL", "EVENT_BUS_NAME", "REPORTS_BUCKET"],
  };
  /** Seconds a process needs after draining (worker: cancel + release + pool close) before SIGKILL. */
  const MIN_AFTER_DRAIN_MS = 5_000;
  /** What the intake gives requests in flight on stop (services/intake/main.ts STOP_GRACE_MS); it reads no drain variable. */
  const INTAKE_STOP_GRACE_MS = 10_000;

  /** The environment the process starts with: the variables, plus each injected secret (placeholder value). */
  const envOf = (container: Container): Record<string, string> => ({
    ...Object.fromEntries(container.environment.map((e) => [e.name, e.value])),
    ...Object.fromEntries((container.secrets ?? []).map((s) => [s.name, "s".repeat(64)])),
  });

  it.each(SERVICE_IDS)(
    "%s: every variable is one its schema reads, and the schema accepts them all",
    (id) => {
      const known = new Set(Object.keys(SCHEMAS[id].shape));
      for (const container of containersOf(id)) {
        // Prepare
        const env = envOf(container);
        // Act
        const result = SCHEMAS[id].safeParse(env);
        // Assess
        expect(result.error?.issues ?? [], id).toEqual([]);
        expect(
          Object.keys(env).filter((name) => !known.has(name) && !RUNTIME_VARS.has(name)),
          `${id}: variables no schema key reads (misspelt or stale)`,
        ).toEqual([]);
        const parsed = result.data as Record<string, unknown>;
        for (const name of REQUIRED[id]) expect(parsed[name], `${id}: ${name}`).toBeDefined();
      }
    },
  );

  it.each(SERVICE_IDS)("%s: stopTimeout leaves time after the drain the process's config reads", (id) => {
    for (const container of containersOf(id)) {
      // Prepare: the drain as the process will read it (its own default when the variable is unset).
      const parsed = SCHEMAS[id].parse(envOf(container)) as { DRAIN_TIMEOUT_MS?: number };
      const drainMs = id === "intake" ? INTAKE_STOP_GRACE_MS : parsed.DRAIN_TIMEOUT_MS;
      // Assess
      expect(drainMs, id).toBeTypeOf("number");
      expect(container.stopTimeout, id).toBeDefined();
      expect((container.stopTimeout ?? 0) * 1000, id).toBeGreaterThanOrEqual(
        (drainMs ?? Number.POSITIVE_INFINITY) + MIN_AFTER_DRAIN_MS,
      );
      // Fargate's ceiling: a larger value is refused at registration.
      expect(container.stopTimeout, id).toBeLessThanOrEqual(120);
    }
  });
});

describe("stateful resources", () => {
  const STATEFUL = () => [
    ["aws:s3/bucket:Bucket", topology.bucket.name],
    ["aws:secretsmanager/secret:Secret", config.snowflake.secretName],
    ["aws:secretsmanager/secret:Secret", `${topology.prefix}-intake-job-id-key`],
    ["aws:ecr/repository:Repository", `${topology.prefix}-app`],
  ];

  it("retains the bucket, the secrets and the ECR repository on delete, and protects them when configured", () => {
    for (const [type, name] of STATEFUL()) {
      const opts = options.get(`${type}::${name}`);
      expect(opts, `${type} ${name}`).toBeDefined();
      expect(opts?.retainOnDelete, `${type} ${name}`).toBe(true);
      expect(opts?.protect, `${type} ${name}`).toBe(true);
    }
  });

  it("protects nothing else (queues, roles, services can be replaced)", () => {
    const stateful = new Set(STATEFUL().map(([type, name]) => `${type}::${name}`));
    const others = [...options].filter(([key, opts]) => !stateful.has(key) && opts.protect === true);
    expect(others.map(([key]) => key)).toEqual([]);
  });
});
