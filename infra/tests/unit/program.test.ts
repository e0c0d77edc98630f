import { beforeAll, describe, expect, it } from "vitest";
import {
  AUDIT_PREFIX,
  GENERATED_PREFIX,
  REPORTS_PREFIX,
  STATE_PREFIX,
  STATEMENTS_PREFIX,
} from "#events/s3-layout.js";
import { consumersOf, type Topology } from "#events/topology.js";
import { parseInfraConfig, QUEUE_SERVICE_IDS, SERVICE_IDS } from "#infra/config.js";
import { configInput, GATEWAY_TOKEN } from "../fixtures/config.js";
import {
  installMocks,
  isSecretInput,
  MOCK_ACCOUNT,
  type MockRecorder,
  plain,
  type RecordedResource,
} from "../support/pulumi-mocks.js";

// Mocks first, then the program (CONVENTIONS §8).
const mocks: MockRecorder = installMocks();
const { createPipeline } = await import("#infra/pipeline.js");

const config = parseInfraConfig(configInput());
let topology: Topology;

beforeAll(async () => {
  topology = createPipeline(config).topology;
  await mocks.settle();
});

const byName = (type: string, name: string): RecordedResource => {
  const found = mocks.ofType(type).find((r) => r.inputs.name === name || r.inputs.bucket === name);
  if (!found) throw new Error(`no ${type} named ${name}`);
  return found;
};
const queueArn = (name: string) => byName("aws:sqs/queue:Queue", name).state.arn as string;

interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: unknown;
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}
const statementsOf = (policy: string): Statement[] => JSON.parse(policy).Statement;
const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

describe("messaging", () => {
  it("gives every queue a DLQ with the topology's maxReceiveCount, and SSE on queues and DLQs", () => {
    const specs = [topology.jobs, ...consumersOf(topology)];
    const queues = mocks.ofType("aws:sqs/queue:Queue");
    // Also the DLQ of the audit Logs target and of the schedules: delivery DLQs reuse these, no others.
    expect(queues).toHaveLength(specs.length * 2);
    for (const spec of specs) {
      const main = byName("aws:sqs/queue:Queue", spec.queueName);
      const dlq = byName("aws:sqs/queue:Queue", spec.dlqName);
      expect(JSON.parse(main.inputs.redrivePolicy)).toEqual({
        deadLetterTargetArn: dlq.state.arn,
        maxReceiveCount: spec.maxReceiveCount,
      });
      expect(main.inputs.sqsManagedSseEnabled, spec.queueName).toBe(true);
      expect(dlq.inputs.sqsManagedSseEnabled, spec.dlqName).toBe(true);
      expect(main.inputs.messageRetentionSeconds).toBe(spec.retentionSeconds);
      expect(dlq.inputs.messageRetentionSeconds).toBe(spec.dlqRetentionSeconds);
      expect(main.inputs.visibilityTimeoutSeconds).toBe(spec.visibilityTimeoutSeconds);
    }
  });

  it("creates exactly the topology's rules, each with the topology's pattern, on the topology's bus", () => {
    const rules = mocks.ofType("aws:cloudwatch/eventRule:EventRule");
    expect(rules.map((r) => r.inputs.name).sort()).toEqual(
      consumersOf(topology)
        .map((c) => c.rule.name)
        .sort(),
    );
    for (const spec of consumersOf(topology)) {
      const rule = byName("aws:cloudwatch/eventRule:EventRule", spec.rule.name);
      expect(JSON.parse(rule.inputs.eventPattern)).toEqual(spec.rule.pattern);
      expect(rule.inputs.eventBusName).toBe(topology.bus.name);
    }
  });

  it("targets each rule at its consumer queue with the consumer's DLQ and a retry policy", () => {
    for (const spec of consumersOf(topology)) {
      const target = mocks
        .ofType("aws:cloudwatch/eventTarget:EventTarget")
        .find((t) => t.inputs.rule === spec.rule.name && t.inputs.arn === queueArn(spec.queueName));
      expect(target, spec.rule.name).toBeDefined();
      expect(target?.inputs.deadLetterConfig).toEqual({ arn: queueArn(spec.dlqName) });
      expect(target?.inputs.retryPolicy.maximumRetryAttempts).toBeGreaterThan(0);
    }
  });

  it("lets only the feeding rule send to a consumer queue and its DLQ", () => {
    for (const spec of consumersOf(topology)) {
      const ruleArn = byName("aws:cloudwatch/eventRule:EventRule", spec.rule.name).state.arn;
      for (const name of [spec.queueName, spec.dlqName]) {
        const policy = mocks
          .ofType("aws:sqs/queuePolicy:QueuePolicy")
          .find((p) => p.inputs.queueUrl === byName("aws:sqs/queue:Queue", name).state.url);
        expect(policy, name).toBeDefined();
        const [statement, ...rest] = statementsOf(policy?.inputs.policy);
        expect(rest).toEqual([]);
        expect(statement?.Principal).toEqual({ Service: "events.amazonaws.com" });
        expect(list(statement?.Action)).toEqual(["sqs:SendMessage"]);
        expect(list(statement?.Resource)).toEqual([queueArn(name)]);
        expect(statement?.Condition).toEqual({ ArnEquals: { "aws:SourceArn": ruleArn } });
      }
    }
  });

  it("sends audited events to CloudWatch Logs too, and archives the bus", () => {
    const audit = topology.consumers.auditor.rule.name;
    const logGroup = byName("aws:cloudwatch/logGroup:LogGroup", topology.auditLogGroup.name);
    expect(logGroup.inputs.retentionInDays).toBe(topology.auditLogGroup.retentionDays);
    const logsTarget = mocks
      .ofType("aws:cloudwatch/eventTarget:EventTarget")
      .find((t) => t.inputs.rule === audit && t.inputs.arn === logGroup.state.arn);
    expect(logsTarget).toBeDefined();
    expect(logsTarget?.inputs.retryPolicy.maximumRetryAttempts).toBeGreaterThan(0);
    const archive = byName("aws:cloudwatch/eventArchive:EventArchive", topology.bus.archiveName);
    expect(archive.inputs.eventSourceArn).toBe(
      byName("aws:cloudwatch/eventBus:EventBus", topology.bus.name).state.arn,
    );
    expect(archive.inputs.retentionDays).toBe(topology.bus.archiveRetentionDays);
  });
});

describe("audit Logs target dead letters", () => {
  it("dead-letters events the Logs target could not deliver into the auditor's DLQ, which admits the audit rule", () => {
    // Prepare
    const spec = topology.consumers.auditor;
    const logGroup = byName("aws:cloudwatch/logGroup:LogGroup", topology.auditLogGroup.name);
    const dlq = byName("aws:sqs/queue:Queue", spec.dlqName);
    const ruleArn = byName("aws:cloudwatch/eventRule:EventRule", spec.rule.name).state.arn;
    // Act
    const logsTarget = mocks
      .ofType("aws:cloudwatch/eventTarget:EventTarget")
      .find((t) => t.inputs.rule === spec.rule.name && t.inputs.arn === logGroup.state.arn);
    const policy = mocks
      .ofType("aws:sqs/queuePolicy:QueuePolicy")
      .find((p) => p.inputs.queueUrl === dlq.state.url);
    // Assess
    expect(logsTarget?.inputs.deadLetterConfig).toEqual({ arn: dlq.state.arn });
    expect(dlq.inputs.sqsManagedSseEnabled).toBe(true);
    expect(statementsOf(policy?.inputs.policy)).toEqual([
      expect.objectContaining({
        Principal: { Service: "events.amazonaws.com" },
        Action: ["sqs:SendMessage"],
        Resource: [dlq.state.arn],
        Condition: { ArnEquals: { "aws:SourceArn": ruleArn } },
      }),
    ]);
  });
});

describe("IAM", () => {
  const DATA_PLANES = ["sqs:", "s3:", "events:", "secretsmanager:", "sns:", "kms:"];

  it("has no Allow statement on SQS, S3, EventBridge or Secrets Manager with a wildcard action or a * resource", () => {
    const policies = [
      ...mocks.ofType("aws:iam/rolePolicy:RolePolicy").map((p) => p.inputs.policy as string),
      ...mocks.ofType("aws:sqs/queuePolicy:QueuePolicy").map((p) => p.inputs.policy as string),
      ...mocks.ofType("aws:s3/bucketPolicy:BucketPolicy").map((p) => p.inputs.policy as string),
    ];
    expect(policies.length).toBeGreaterThan(6);
    let checked = 0;
    for (const policy of policies) {
      for (const s of statementsOf(policy)) {
        const actions = list(s.Action);
        if (s.Effect !== "Allow" || !actions.some((a) => DATA_PLANES.some((p) => a.startsWith(p)))) continue;
        checked++;
        expect(
          actions.filter((a) => a.includes("*")),
          JSON.stringify(s),
        ).toEqual([]);
        expect(list(s.Resource), JSON.stringify(s)).not.toContain("*");
        expect(list(s.Resource).length, JSON.stringify(s)).toBeGreaterThan(0);
      }
    }
    expect(checked).toBeGreaterThan(10);
  });

  it("lets only this account's Scheduler assume the scheduler role", () => {
    const role = byName("aws:iam/role:Role", `${topology.prefix}-scheduler`);
    expect(JSON.parse(role.inputs.assumeRolePolicy).Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "scheduler.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT } },
      },
    ]);
  });

  it("lets the scheduler role only send messages to the jobs queue and (dead letters) the jobs DLQ", () => {
    const role = byName("aws:iam/role:Role", `${topology.prefix}-scheduler`);
    const policy = mocks
      .ofType("aws:iam/rolePolicy:RolePolicy")
      .find((p) => p.inputs.role === role.state.name || p.inputs.role === `${topology.prefix}-scheduler`);
    const statements = statementsOf(policy?.inputs.policy);
    expect(statements).toEqual([
      {
        Sid: "SendJobs",
        Effect: "Allow",
        Action: ["sqs:SendMessage"],
        Resource: [queueArn(topology.jobs.queueName)],
      },
      {
        Sid: "SendDeadLetters",
        Effect: "Allow",
        Action: ["sqs:SendMessage"],
        Resource: [queueArn(topology.jobs.dlqName)],
      },
    ]);
  });
});

describe("storage", () => {
  const bucketName = () => topology.bucket.name;

  it("blocks all public access and enforces bucket-owner ownership", () => {
    const block = mocks.ofType("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
    expect(block).toHaveLength(1);
    expect(block[0]?.inputs).toMatchObject({
      bucket: bucketName(),
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(mocks.ofType("aws:s3/bucketOwnershipControls:BucketOwnershipControls")[0]?.inputs.rule).toEqual({
      objectOwnership: "BucketOwnerEnforced",
    });
  });

  it("denies every request that does not use TLS, on the bucket and its objects", () => {
    const [policy] = mocks.ofType("aws:s3/bucketPolicy:BucketPolicy");
    const deny = statementsOf(policy?.inputs.policy).find((s) => s.Effect === "Deny");
    const arn = `arn:aws:s3:::${bucketName()}`;
    expect(deny).toMatchObject({ Principal: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } });
    expect(list(deny?.Action)).toEqual(["s3:*"]);
    expect(list(deny?.Resource).sort()).toEqual([arn, `${arn}/*`]);
  });

  it("encrypts and versions the bucket", () => {
    const [sse] = mocks.ofType(
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    );
    expect(sse?.inputs.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm).toBe("AES256");
    const [versioning] = mocks.ofType("aws:s3/bucketVersioning:BucketVersioning");
    expect(versioning?.inputs.versioningConfiguration.status).toBe("Enabled");
  });

  it("expires generated/ after a day, recorded statement ids after two, old _state/ versions and delete markers, and moves reports/ to colder storage on the configured days", () => {
    const [lifecycle] = mocks.ofType("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration");
    // biome-ignore lint/suspicious/noExplicitAny: provider input shape
    const rules: any[] = lifecycle?.inputs.rules;
    expect(rules.every((r) => r.status === "Enabled")).toBe(true);
    expect(rules.map((r) => r.filter.prefix).sort()).toEqual(
      [GENERATED_PREFIX, REPORTS_PREFIX, STATEMENTS_PREFIX, STATE_PREFIX, AUDIT_PREFIX].sort(),
    );
    const generated = rules.find((r) => r.filter.prefix === GENERATED_PREFIX);
    expect(generated.expiration).toEqual({ days: 1 });
    const statements = rules.find((r) => r.filter.prefix === STATEMENTS_PREFIX);
    expect(statements.id).toBe("expire-statement-ledger");
    expect(statements.expiration).toEqual({ days: 2 });
    // Claims and ledgers are rewritten and deleted per job/event: with versioning on, their history must go,
    // but never a current claim (no days-based expiration on _state/).
    const state = rules.find((r) => r.filter.prefix === STATE_PREFIX);
    expect(state.noncurrentVersionExpiration).toEqual({ noncurrentDays: 7 });
    expect(state.expiration).toEqual({ expiredObjectDeleteMarker: true });
    const audit = rules.find((r) => r.filter.prefix === AUDIT_PREFIX);
    expect(audit.expiration).toBeUndefined();
    const reports = rules.find((r) => r.filter.prefix === REPORTS_PREFIX);
    expect(reports.expiration).toBeUndefined();
    expect(reports.transitions).toEqual([
      { days: config.retention.reportsInfrequentAccessDays, storageClass: "STANDARD_IA" },
      { days: config.retention.reportsGlacierDays, storageClass: "GLACIER_IR" },
    ]);
  });
});

describe("secrets", () => {
  it("creates the credential secrets without a value, so no credential reaches code or state", () => {
    const names = mocks.ofType("aws:secretsmanager/secret:Secret").map((x) => String(x.inputs.name));
    expect(names.sort()).toEqual(
      [
        config.snowflake.secretName,
        `${topology.prefix}-intake-job-id-key`,
        `${topology.prefix}-intake-gateway-token`,
      ].sort(),
    );
    // The one value the program writes is the gateway token, which is already a stack config secret.
    const versions = mocks.ofType("aws:secretsmanager/secretVersion:SecretVersion");
    const tokenSecret = byName("aws:secretsmanager/secret:Secret", `${topology.prefix}-intake-gateway-token`);
    expect(versions.map((v) => v.inputs.secretId)).toEqual([tokenSecret.id]);
    expect(isSecretInput(versions[0]?.inputs.secretString)).toBe(true);
    expect(plain(versions[0]?.inputs.secretString)).toBe(GATEWAY_TOKEN);
  });
});

describe("ECS", () => {
  const SERVICES = SERVICE_IDS;

  it("runs one service per process from one image, each with its own command, role and log group", () => {
    const taskDefs = mocks.ofType("aws:ecs/taskDefinition:TaskDefinition");
    expect(taskDefs.map((t) => t.inputs.family).sort()).toEqual(
      SERVICES.map((s) => `${topology.prefix}-${s}`).sort(),
    );
    const images = new Set<string>();
    const roles = new Set<string>();
    for (const id of SERVICES) {
      const td = taskDefs.find((t) => t.inputs.family === `${topology.prefix}-${id}`);
      const [container] = JSON.parse(td?.inputs.containerDefinitions);
      images.add(container.image);
      roles.add(td?.inputs.taskRoleArn);
      expect(container.command).toEqual(["node", `dist/services/${id}/main.js`]);
      expect(container.logConfiguration.logDriver).toBe("awslogs");
      const logGroup = byName(
        "aws:cloudwatch/logGroup:LogGroup",
        container.logConfiguration.options["awslogs-group"],
      );
      expect(logGroup.inputs.retentionInDays).toBe(config.retention.logDays);
    }
    expect([...images]).toEqual([
      `123456789012.dkr.ecr.eu-west-1.amazonaws.com/${topology.prefix}-app:1.2.3`,
    ]);
    expect(roles.size).toBe(SERVICES.length);
  });

  it("health-checks the worker's liveness (/health/live, not readiness) on port 8000 and wires the worker's config", () => {
    const td = mocks
      .ofType("aws:ecs/taskDefinition:TaskDefinition")
      .find((t) => t.inputs.family === `${topology.prefix}-worker`);
    const [container] = JSON.parse(td?.inputs.containerDefinitions);
    expect(container.healthCheck.command.join(" ")).toContain("http://127.0.0.1:8000/health/live");
    const env = Object.fromEntries(
      container.environment.map((e: { name: string; value: string }) => [e.name, e.value]),
    );
    expect(env).toMatchObject({
      JOBS_QUEUE_URL: byName("aws:sqs/queue:Queue", topology.jobs.queueName).state.url,
      EVENT_BUS_NAME: topology.bus.name,
      WAREHOUSE: "snowflake",
      SNOWFLAKE_SECRET_ID: mocks
        .ofType("aws:secretsmanager/secret:Secret")
        .find((x) => x.inputs.name === config.snowflake.secretName)?.state.arn,
      WORKER_CONCURRENCY: String(config.workerConcurrency),
      HTTP_PORT: "8000",
    });
  });

  it("injects the job-id key into the intake and the worker, the gateway token into the intake only, from secrets the execution role may read", () => {
    const secretArn = (suffix: string) =>
      byName("aws:secretsmanager/secret:Secret", `${topology.prefix}-${suffix}`).state.arn as string;
    const keyArn = secretArn("intake-job-id-key");
    const tokenArn = secretArn("intake-gateway-token");
    for (const td of mocks.ofType("aws:ecs/taskDefinition:TaskDefinition")) {
      const [container] = JSON.parse(td.inputs.containerDefinitions);
      const isIntake = td.inputs.family === `${topology.prefix}-intake`;
      const isWorker = td.inputs.family === `${topology.prefix}-worker`;
      expect(container.secrets ?? [], td.inputs.family).toEqual(
        isIntake
          ? [
              { name: "INTAKE_JOB_ID_KEY", valueFrom: keyArn },
              { name: "INTAKE_GATEWAY_TOKEN", valueFrom: tokenArn },
            ]
          : isWorker
            ? [{ name: "JOB_ID_KEY", valueFrom: keyArn }] // the job ids of scheduled runs, one key
            : [],
      );
    }
    const executionPolicy = mocks
      .ofType("aws:iam/rolePolicy:RolePolicy")
      .find((x) => String(x.name).includes("task-execution-policy"));
    const inject = statementsOf(executionPolicy?.inputs.policy).find((s) =>
      list(s.Action).includes("secretsmanager:GetSecretValue"),
    );
    expect(list(inject?.Resource).sort()).toEqual([keyArn, tokenArn].sort());
  });

  it("gives no task the local-development switches (webhooks to loopback need both; the intake's local caller)", () => {
    for (const td of mocks.ofType("aws:ecs/taskDefinition:TaskDefinition")) {
      const [container] = JSON.parse(td.inputs.containerDefinitions);
      const names = [...container.environment, ...(container.secrets ?? [])].map(
        (e: { name: string }) => e.name,
      );
      expect(names, td.inputs.family).not.toContain("AWS_ENDPOINT_URL");
      expect(names, td.inputs.family).not.toContain("WEBHOOK_ALLOW_LOOPBACK");
      expect(names, td.inputs.family).not.toContain("INTAKE_LOCAL_CALLER");
    }
  });

  it("deploys with a rollback circuit breaker; every process but the intake into an egress-only security group", () => {
    const tasksGroup = byName("aws:ec2/securityGroup:SecurityGroup", `${topology.prefix}-tasks`);
    const intakeGroup = byName("aws:ec2/securityGroup:SecurityGroup", `${topology.prefix}-intake`);
    for (const id of SERVICES) {
      const svc = byName("aws:ecs/service:Service", `${topology.prefix}-${id}`);
      expect(svc.inputs.deploymentCircuitBreaker).toEqual({ enable: true, rollback: true });
      expect(svc.inputs.networkConfiguration.subnets).toEqual(config.network.subnetIds);
      expect(svc.inputs.networkConfiguration.securityGroups, id).toEqual([
        (id === "intake" ? intakeGroup : tasksGroup).id,
      ]);
    }
    expect(tasksGroup.inputs.ingress ?? []).toEqual([]);
    expect(tasksGroup.inputs.egress.length).toBeGreaterThan(0);
  });

  it("takes desired, min and max tasks and the backlog target from config", () => {
    for (const id of QUEUE_SERVICE_IDS) {
      const name = `${topology.prefix}-${id}`;
      const svcConfig = config.services[id];
      expect(byName("aws:ecs/service:Service", name).inputs.desiredCount).toBe(svcConfig.desiredTasks);
      const target = mocks
        .ofType("aws:appautoscaling/target:Target")
        .find((t) => t.inputs.resourceId === `service/${topology.prefix}-cluster/${name}`);
      expect(target?.inputs).toMatchObject({
        minCapacity: svcConfig.minTasks,
        maxCapacity: svcConfig.maxTasks,
      });
      const policy = byName("aws:appautoscaling/policy:Policy", `${name}-backlog-per-task`);
      const tracking = policy.inputs.targetTrackingScalingPolicyConfiguration;
      expect(tracking.targetValue).toBe(svcConfig.backlogPerTaskTarget);
      const visible = tracking.customizedMetricSpecification.metrics.find(
        (m: { id: string }) => m.id === "visible",
      );
      const queueName = id === "worker" ? topology.jobs.queueName : topology.consumers[id].queueName;
      expect(visible.metricStat.metric.dimensions).toEqual([{ name: "QueueName", value: queueName }]);
    }
  });
});

describe("alarms and schedules", () => {
  it("alarms on every DLQ, on the oldest job and on the worker error rate, to the alarm topic", () => {
    const alarmTopic = byName("aws:sns/topic:Topic", `${topology.prefix}-alarms`).state.arn;
    const alarms = mocks.ofType("aws:cloudwatch/metricAlarm:MetricAlarm");
    for (const spec of [topology.jobs, ...consumersOf(topology)]) {
      const alarm = alarms.find((a) => a.inputs.dimensions?.QueueName === spec.dlqName);
      expect(alarm?.inputs).toMatchObject({
        metricName: "ApproximateNumberOfMessagesVisible",
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        alarmActions: [alarmTopic],
      });
    }
    const age = alarms.find((a) => a.inputs.metricName === "ApproximateAgeOfOldestMessage");
    expect(age?.inputs).toMatchObject({ dimensions: { QueueName: topology.jobs.queueName }, threshold: 600 });
    const errorRate = alarms.find((a) => a.inputs.name === `${topology.prefix}-worker-error-rate`);
    expect(errorRate?.inputs.threshold).toBe(config.alarms.workerErrorRatePercent);
  });

  it("every schedule targets only the jobs queue, with the retry policy and the jobs DLQ, in the stack's group", () => {
    const schedules = mocks.ofType("aws:scheduler/schedule:Schedule");
    const role = byName("aws:iam/role:Role", topology.schedules.roleName);
    expect(schedules.length).toBeGreaterThan(0);
    for (const s of schedules) {
      expect(s.inputs.groupName, s.name).toBe(topology.schedules.groupName);
      // One target per schedule (the provider's shape has room for no other), the jobs queue's ARN.
      expect(s.inputs.target.arn, s.name).toBe(queueArn(topology.jobs.queueName));
      expect(s.inputs.target.roleArn, s.name).toBe(role.state.arn);
      expect(s.inputs.target.retryPolicy, s.name).toEqual({
        maximumEventAgeInSeconds: 3600,
        maximumRetryAttempts: 10,
      });
      expect(s.inputs.target.deadLetterConfig, s.name).toEqual({ arn: queueArn(topology.jobs.dlqName) });
    }
  });

  it("the scheduler role has one inline policy and nothing attached: it can do nothing but send those runs", () => {
    const role = byName("aws:iam/role:Role", topology.schedules.roleName);
    const isRole = (r: RecordedResource) =>
      r.inputs.role === role.state.name ||
      r.inputs.role === role.state.id ||
      r.inputs.role === topology.schedules.roleName;
    const inline = mocks.ofType("aws:iam/rolePolicy:RolePolicy").filter(isRole);
    const attached = mocks.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter(isRole);
    expect(inline).toHaveLength(1);
    expect(attached).toEqual([]);
    expect(role.inputs.managedPolicyArns ?? []).toEqual([]);
    const actions = statementsOf(inline[0]?.inputs.policy).flatMap((st) =>
      st.Effect === "Allow" ? list(st.Action) : [],
    );
    const resources = statementsOf(inline[0]?.inputs.policy).flatMap((st) => list(st.Resource));
    expect([...new Set(actions)]).toEqual(["sqs:SendMessage"]);
    expect(resources.sort()).toEqual(
      [queueArn(topology.jobs.queueName), queueArn(topology.jobs.dlqName)].sort(),
    );
  });

  it("schedules each configured job on its cron in the configured time zone, sending to the jobs queue", () => {
    const schedules = mocks.ofType("aws:scheduler/schedule:Schedule");
    expect(schedules.map((s) => s.inputs.name).sort()).toEqual(
      config.schedules.jobs.map((j) => j.name).sort(),
    );
    for (const job of config.schedules.jobs) {
      const s = byName("aws:scheduler/schedule:Schedule", job.name);
      expect(s.inputs.groupName).toBe(topology.schedules.groupName);
      expect(s.inputs.scheduleExpression).toBe(job.cron);
      expect(s.inputs.scheduleExpressionTimezone).toBe("Europe/Berlin");
      expect(s.inputs.target.arn).toBe(queueArn(topology.jobs.queueName));
      // The input is a scheduled run: the worker turns it into the job (period, derived id).
      const body = JSON.parse(s.inputs.target.input);
      expect(body).toEqual({
        scheduledRun: {
          schemaVersion: "1",
          schedule: job.name,
          timezone: "Europe/Berlin",
          scheduledTime: "<aws.scheduler.scheduled-time>",
          job: job.job,
        },
      });
    }
  });
});
