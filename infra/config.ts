/**
 * The stack configuration, read once and validated with zod. `readInfraConfig()` is the only function in
 * infra/ that touches `pulumi.Config`; everything else receives the parsed `InfraConfig`.
 *
 * Keys live in the `report-pipeline` namespace (the project name) plus the standard `aws:region`; each
 * is documented in `Pulumi.dev.yaml`. A missing or malformed value stops the program with a message that
 * names the key, e.g. `report-pipeline:services.worker.maxTasks: must be >= minTasks (2)`.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { API_THROTTLE } from "#events/front-door.js";
import { BUCKET_NAME_PATTERN, CONSUMER_IDS, PREFIX_PATTERN, REGION_PATTERN } from "#events/topology.js";

export const CONFIG_NAMESPACE = "report-pipeline";

/**
 * Every ECS service the program runs: the worker, the HTTP intake behind the front door, and one per
 * topology consumer.
 */
export const SERVICE_IDS = ["worker", "intake", ...CONSUMER_IDS] as const;
export type ServiceId = (typeof SERVICE_IDS)[number];
/** The services that consume a queue and scale on its backlog (all but the intake, which scales on requests). */
export type QueueServiceId = Exclude<ServiceId, "intake">;
export const QUEUE_SERVICE_IDS = SERVICE_IDS.filter((id): id is QueueServiceId => id !== "intake");

const positiveInt = z.number({ error: "must be a number" }).int({ error: "must be an integer" }).min(1);
const nonNegativeInt = z.number({ error: "must be a number" }).int({ error: "must be an integer" }).min(0);

/** Fargate accepts only certain cpu/memory pairs; the common ones for these services. */
const FARGATE_CPU = [256, 512, 1024, 2048, 4096] as const;

/** What every ECS service is configured with: task counts, size, and an optional command. */
const serviceShape = {
  desiredTasks: positiveInt,
  // Target tracking on a metric *per task* divides by the running task count, so a service never scales to 0.
  minTasks: positiveInt,
  maxTasks: positiveInt.max(100),
  cpu: z.union(FARGATE_CPU.map((c) => z.literal(c))).default(256),
  memory: positiveInt.default(512),
  /** Overrides the container command for this process (default: `node dist/services/<id>/main.js`). */
  command: z.array(z.string().min(1)).min(1).optional(),
};

function taskBounds(s: { desiredTasks: number; minTasks: number; maxTasks: number }, ctx: z.RefinementCtx) {
  if (s.maxTasks < s.minTasks)
    ctx.addIssue({ code: "custom", path: ["maxTasks"], message: `must be >= minTasks (${s.minTasks})` });
  if (s.desiredTasks < s.minTasks || s.desiredTasks > s.maxTasks)
    ctx.addIssue({
      code: "custom",
      path: ["desiredTasks"],
      message: `must be within minTasks..maxTasks (${s.minTasks}..${s.maxTasks})`,
    });
}

const ServiceConfigSchema = z
  .strictObject({
    ...serviceShape,
    /** Visible messages per running task that target tracking keeps the service at. */
    backlogPerTaskTarget: positiveInt.default(10),
  })
  .superRefine(taskBounds);

/** The intake consumes no queue: it scales on the requests the front door forwards to it. */
const IntakeServiceConfigSchema = z
  .strictObject({
    ...serviceShape,
    /**
     * Requests per minute per running task that target tracking keeps the intake at (API Gateway `Count`
     * of the stage / the intake's RunningTaskCount). A request is one SendMessage or one audit-trail read
     * (a Snowflake batch: up to 500 SendMessages), so the default leaves each task far from busy.
     */
    requestsPerTaskTarget: positiveInt.default(600),
  })
  .superRefine(taskBounds);

const ScheduleSchema = z.strictObject({
  /** Schedule name in the stack's schedule group `<prefix>-reports` (where run-time schedules live too). */
  name: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, { error: "letters, digits, '_' and '-' (1-40)" }),
  cadence: z.enum(["daily", "weekly", "monthly"]),
  /** EventBridge Scheduler cron expression, e.g. `cron(0 6 * * ? *)`, evaluated in `schedules.timezone`. */
  cron: z.string().regex(/^cron\(.+\)$/, { error: "must be an EventBridge cron(...) expression" }),
  /**
   * The job template (events/schedule.schema.ts): reportType, parameters (period placeholders such as
   * "{{previous_day.from}}" allowed), format, delivery; no jobId, requestedAt or requestedBy: the worker
   * derives those per run from the schedule's name and the period, so retries of one run are one job.
   */
  job: z.record(z.string(), z.unknown()),
});

const EmailList = z.array(z.email({ error: "must be an email address" })).default([]);

/**
 * An IAM role or user the front door's resource policy names as a principal. No wildcards: a resource
 * policy's Principal cannot hold one, and the Deny's `aws:PrincipalArn` list must be exact. A role's ARN
 * also admits its assumed-role sessions (their `aws:PrincipalArn` is the role's ARN).
 */
export const IAM_PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[A-Za-z0-9+=,.@_/-]{1,512}$/;
/** Snowflake's API_AWS_IAM_USER_ARN (DESCRIBE INTEGRATION): an IAM user in Snowflake's AWS account. */
const IAM_USER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:user\/[A-Za-z0-9+=,.@_/-]{1,512}$/;
/** What STS accepts as an ExternalId (Snowflake's API_AWS_EXTERNAL_ID is one). */
const EXTERNAL_ID = /^[A-Za-z0-9+=,.@:/_-]{2,1224}$/;
/** The proof-of-gateway token, as events/front-door.ts `integrationRequestParameters` accepts it. */
export const GATEWAY_TOKEN_PATTERN = /^[A-Za-z0-9_-]{32,256}$/;
/** The one config key that is a secret (read with getSecret semantics; refused when set in plain text). */
export const GATEWAY_TOKEN_KEY = "gatewayToken";
const GATEWAY_TOKEN_HINT = `pulumi config set --secret ${CONFIG_NAMESPACE}:${GATEWAY_TOKEN_KEY} $(openssl rand -hex 32)`;

const FrontDoorSchema = z.strictObject({
  /**
   * IAM roles/users that may call the producer routes (POST /jobs, GET /jobs/{jobId}). Name principals
   * that exist (a resource policy may resolve them when it is set). Empty: only the Snowflake role gets in.
   */
  producerPrincipals: z
    .array(
      z.string().regex(IAM_PRINCIPAL_ARN, {
        error:
          "must be an IAM role or user ARN, arn:aws:iam::<12-digit account>:role/<name> (or :user/<name>)",
      }),
    )
    .default([])
    .superRefine((arns, ctx) => {
      arns.forEach((arn, i) => {
        if (arns.indexOf(arn) !== i) ctx.addIssue({ code: "custom", path: [i], message: `duplicate ${arn}` });
      });
    }),
  /** Stage throttling of every method (all callers together); default API_THROTTLE from events/. */
  throttle: z
    .strictObject({
      rateLimit: z.number({ error: "must be a number" }).gt(0).max(10_000).default(API_THROTTLE.rateLimit),
      burstLimit: positiveInt.max(5_000).default(API_THROTTLE.burstLimit),
    })
    .prefault({}),
  /** Requests per day the usage plan allows on the stage (see the usage plan's comment: API keys only). */
  dailyQuota: positiveInt.default(100_000),
  /**
   * Set the account's (per region) API Gateway CloudWatch Logs role, which access logging needs. Off by
   * default because it is one setting per account and region, shared by every API there: leave it to the
   * stack (or tool) that owns it, and turn this on only where none does.
   */
  manageAccountLogRole: z.boolean({ error: "must be true or false" }).default(false),
});

const SnowflakeApiIntegrationSchema = z
  .strictObject({
    /** API_AWS_IAM_USER_ARN from `DESCRIBE INTEGRATION report_pipeline_api`. */
    iamUserArn: z
      .string()
      .regex(IAM_USER_ARN, {
        error: "must be an IAM user ARN (API_AWS_IAM_USER_ARN of DESCRIBE INTEGRATION)",
      })
      .optional(),
    /** API_AWS_EXTERNAL_ID from the same DESCRIBE INTEGRATION. */
    externalId: z
      .string()
      .regex(EXTERNAL_ID, {
        error: "must be 2-1224 characters of A-Z a-z 0-9 +=,.@:/_- (API_AWS_EXTERNAL_ID)",
      })
      .optional(),
  })
  .superRefine((s, ctx) => {
    // One without the other would be a trust policy that either admits Snowflake's user without the
    // confused-deputy check or checks an id nobody presents: both come from the same DESCRIBE INTEGRATION.
    if (s.iamUserArn !== undefined && s.externalId === undefined)
      ctx.addIssue({ code: "custom", path: ["externalId"], message: "is required when iamUserArn is set" });
    if (s.externalId !== undefined && s.iamUserArn === undefined)
      ctx.addIssue({ code: "custom", path: ["iamUserArn"], message: "is required when externalId is set" });
  });

export const InfraConfigSchema = z.strictObject({
  region: z.string().regex(REGION_PATTERN, { error: "must be an AWS region like eu-west-1" }),
  /** Name prefix of every resource; the topology in events/ derives all names from it. */
  prefix: z.string().regex(PREFIX_PATTERN, { error: "letters, digits, - and _" }),
  /** S3 bucket names are global: override the derived `<prefix>-reports` when it is taken. */
  bucketName: z.string().regex(BUCKET_NAME_PATTERN, { error: "must be an S3 bucket name" }).optional(),
  /** A tag pushed to this stack's ECR repository, or a full image reference (contains a `/`). */
  image: z.string().min(1),
  network: z.strictObject({
    vpcId: z.string().regex(/^vpc-[0-9a-f]+$/, { error: "must be a VPC id vpc-…" }),
    subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]+$/, { error: "must be a subnet id" })).min(1),
    assignPublicIp: z.boolean().default(false),
  }),
  services: z.strictObject({
    worker: ServiceConfigSchema,
    intake: IntakeServiceConfigSchema,
    organizer: ServiceConfigSchema,
    notifier: ServiceConfigSchema,
    auditor: ServiceConfigSchema,
  }),
  /** Jobs one worker task runs at once (WORKER_CONCURRENCY). */
  workerConcurrency: positiveInt.max(50),
  retention: z
    .strictObject({
      logDays: z
        .union([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731].map((d) => z.literal(d)))
        .default(30),
      reportsInfrequentAccessDays: positiveInt.min(30).default(30),
      reportsGlacierDays: positiveInt.default(180),
      noncurrentVersionDays: positiveInt.default(30),
    })
    .default({
      logDays: 30,
      reportsInfrequentAccessDays: 30,
      reportsGlacierDays: 180,
      noncurrentVersionDays: 30,
    })
    .refine((r) => r.reportsGlacierDays > r.reportsInfrequentAccessDays, {
      path: ["reportsGlacierDays"],
      error: "must be later than reportsInfrequentAccessDays",
    }),
  alarms: z.strictObject({
    /** Alarm when a DLQ holds more than this many messages (0: any dead letter alarms). */
    dlqDepthThreshold: nonNegativeInt.default(0),
    oldestJobAgeSeconds: positiveInt,
    workerErrorRatePercent: z.number().gt(0).max(100),
    evaluationPeriods: positiveInt.default(1),
    emails: EmailList,
  }),
  notifications: z
    .strictObject({
      emails: EmailList,
      httpsEndpoints: z.array(z.url().startsWith("https://", { error: "must be an https URL" })).default([]),
    })
    .default({ emails: [], httpsEndpoints: [] }),
  schedules: z
    .strictObject({
      timezone: z.string().min(1),
      jobs: z.array(ScheduleSchema).default([]),
    })
    .superRefine((s, ctx) => {
      if (!Intl.supportedValuesOf("timeZone").includes(s.timezone) && s.timezone !== "UTC")
        ctx.addIssue({
          code: "custom",
          path: ["timezone"],
          message: `unknown IANA time zone "${s.timezone}"`,
        });
      const seen = new Set<string>();
      s.jobs.forEach((j, i) => {
        if (seen.has(j.name))
          ctx.addIssue({ code: "custom", path: ["jobs", i, "name"], message: `duplicate name "${j.name}"` });
        seen.add(j.name);
      });
    }),
  snowflake: z.strictObject({
    /** Name of the Secrets Manager secret that holds the Snowflake credentials (value set out of band). */
    secretName: z.string().regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/),
    recoveryWindowDays: z.number().int().min(7).max(30).default(30),
    /** A rotation Lambda's ARN; when set, the secret rotates every `rotationDays`. */
    rotationLambdaArn: z.string().startsWith("arn:").optional(),
    rotationDays: positiveInt.max(365).default(90),
    /**
     * The API integration's identity in Snowflake's account, known only after `CREATE API INTEGRATION`
     * against the stack's role (infra/README.md, two passes). Unset: the role's trust admits nobody.
     */
    apiIntegration: SnowflakeApiIntegrationSchema.prefault({}),
  }),
  /** The HTTP intake's API gateway (infra/components/front-door.ts). */
  frontDoor: FrontDoorSchema.prefault({}),
  /**
   * The proof-of-gateway token, a secret (`pulumi config set --secret report-pipeline:gatewayToken
   * $(openssl rand -hex 32)`): the gateway's integration sends it to the intake with every request, and
   * the intake refuses requests without it. Held in memory as plain text only to be validated; the
   * program wraps it in `pulumi.secret` before any resource sees it.
   */
  gatewayToken: z
    .string({
      error: (issue) =>
        issue.input === undefined ? `is required (${GATEWAY_TOKEN_HINT})` : "must be a string",
    })
    .regex(GATEWAY_TOKEN_PATTERN, { error: "must be 32 to 256 letters, digits, - or _" }),
  tags: z.record(z.string(), z.string()).default({}),
  /**
   * Protect the stateful resources (reports bucket, secrets, ECR repository) from `pulumi destroy` and
   * from replacement. They are retained on delete either way. Read from Pulumi: when unset, true on a
   * production stack (`isProductionStack`), false elsewhere.
   */
  protect: z.boolean({ error: "must be true or false" }).default(false),
});

export type InfraConfig = z.output<typeof InfraConfigSchema>;
export type InfraConfigInput = z.input<typeof InfraConfigSchema>;
export type ServiceConfig = InfraConfig["services"][ServiceId];
export type QueueServiceConfig = InfraConfig["services"][QueueServiceId];
export type IntakeServiceConfig = InfraConfig["services"]["intake"];

export class InfraConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InfraConfigError";
  }
}

/** Which Pulumi config key each schema key comes from (everything but region is namespaced). */
function keyName(path: readonly PropertyKey[]): string {
  const [head, ...rest] = path.map(String);
  if (head === undefined) return `${CONFIG_NAMESPACE}:(root)`;
  const ns = head === "region" ? "aws:region" : `${CONFIG_NAMESPACE}:${head}`;
  return rest.length ? `${ns}.${rest.join(".")}` : ns;
}

/** Validates raw config values; throws an InfraConfigError naming every offending key. */
export function parseInfraConfig(raw: unknown): InfraConfig {
  const result = InfraConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => {
    const missing = i.code === "invalid_type" && i.message.endsWith("received undefined");
    return `${keyName(i.path)}: ${missing ? "is required" : i.message}`;
  });
  throw new InfraConfigError(`invalid stack configuration:\n  ${lines.join("\n  ")}`);
}

/** Stacks named `prod`, `production`, or starting with `prod-`/`prod_`/`prod.` (e.g. `prod-eu`). */
export function isProductionStack(stack: string): boolean {
  return /^prod(uction)?($|[-_.])/.test(stack);
}

const STRUCTURED_KEYS = [
  "network",
  "services",
  "retention",
  "alarms",
  "notifications",
  "schedules",
  "snowflake",
  "frontDoor",
  "tags",
  "protect",
] as const;
const SCALAR_KEYS = ["prefix", "bucketName", "image"] as const;

/** Reads the stack's config from Pulumi (call once, in infra/index.ts). */
export function readInfraConfig(): InfraConfig {
  const cfg = new pulumi.Config(CONFIG_NAMESPACE);
  const raw: Record<string, unknown> = {};
  const region = new pulumi.Config("aws").get("region");
  if (region !== undefined) raw.region = region;
  for (const key of SCALAR_KEYS) {
    const value = cfg.get(key);
    if (value !== undefined) raw[key] = value;
  }
  const token = cfg.get(GATEWAY_TOKEN_KEY);
  if (token !== undefined) {
    // Set in plain text it would sit unencrypted in Pulumi.<stack>.yaml (and in git). The check uses the
    // runtime's own secret-key list, which the typings do not export; without it nothing is refused.
    const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
    if (runtime.isConfigSecret && !runtime.isConfigSecret(`${CONFIG_NAMESPACE}:${GATEWAY_TOKEN_KEY}`))
      throw new InfraConfigError(
        `invalid stack configuration:\n  ${CONFIG_NAMESPACE}:${GATEWAY_TOKEN_KEY}: must be set as a secret (${GATEWAY_TOKEN_HINT})`,
      );
    raw[GATEWAY_TOKEN_KEY] = token;
  }
  const concurrency = cfg.get("workerConcurrency");
  if (concurrency !== undefined) raw.workerConcurrency = Number(concurrency);
  for (const key of STRUCTURED_KEYS) {
    let value: unknown;
    try {
      value = cfg.getObject(key);
    } catch (error) {
      throw new InfraConfigError(
        `invalid stack configuration:\n  ${CONFIG_NAMESPACE}:${key}: not valid structured config (${(error as Error).message})`,
      );
    }
    if (value !== undefined) raw[key] = value;
  }
  raw.protect ??= isProductionStack(pulumi.getStack());
  return parseInfraConfig(raw);
}
