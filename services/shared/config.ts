/**
 * Reads a process's configuration from the environment once, at start, with a zod schema whose keys are
 * the variable names. A missing or malformed value stops the process with a message naming the variable.
 */
import { z } from "zod";
import { PipelineError } from "#events/errors.js";
import { BUCKET_NAME_PATTERN, DEFAULT_PREFIX, PREFIX_PATTERN, REGION_PATTERN } from "#events/topology.js";
import { LOG_LEVELS } from "./logger.js";

export class ConfigError extends PipelineError {
  readonly code = "CONFIG_INVALID";
  readonly retryable = false;
}

export function readConfig<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.map(String).join(".") || "(environment)";
    return env[name] === undefined && issue.code === "invalid_type"
      ? `${name} is required`
      : `${name}: ${issue.message}`;
  });
  throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
}

const boundedInt = (min: number, max: number) =>
  z.coerce
    .number({ error: "must be a number" })
    .int({ error: "must be an integer" })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

/** An integer variable with bounds and a default (env values are strings, so coerced). */
export const intVar = (fallback: number, min: number, max: number) => boundedInt(min, max).default(fallback);

/** An integer variable with bounds and no default: absent means "leave it to the library". */
export const optionalIntVar = (min: number, max: number) => boundedInt(min, max).optional();

/** The queue plumbing's rule: a heartbeat must come before the visibility it extends runs out. */
export function checkHeartbeat(
  c: { HEARTBEAT_INTERVAL_SECONDS: number; VISIBILITY_TIMEOUT_SECONDS: number },
  ctx: z.RefinementCtx,
): void {
  if (c.HEARTBEAT_INTERVAL_SECONDS >= c.VISIBILITY_TIMEOUT_SECONDS) {
    ctx.addIssue({
      code: "custom",
      path: ["HEARTBEAT_INTERVAL_SECONDS"],
      message: "must be less than VISIBILITY_TIMEOUT_SECONDS",
    });
  }
}

const regionVar = z
  .string()
  .regex(REGION_PATTERN, { error: 'must be a region such as "us-east-1"' })
  .optional();

/**
 * Where the AWS clients go (services/shared/aws.ts `awsClientOptions`): the endpoint (LocalStack locally,
 * unset in production) and the region. The SDK would read them itself; read here, a malformed one stops
 * the process naming it.
 */
export const awsVars = {
  AWS_ENDPOINT_URL: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
  AWS_REGION: regionVar,
  AWS_DEFAULT_REGION: regionVar,
};

/** The names every process derives from: the topology prefix, and an explicit bucket overriding it. */
export const topologyVars = {
  REPORTS_PREFIX: z
    .string()
    .regex(PREFIX_PATTERN, {
      error: "must be 1-31 letters, digits, - and _, starting with a letter or digit",
    })
    .default(DEFAULT_PREFIX),
  REPORTS_BUCKET: z.string().regex(BUCKET_NAME_PATTERN, { error: "must be an S3 bucket name" }).optional(),
};

/**
 * What every process reads: the topology prefix its names derive from (default: the topology's
 * DEFAULT_PREFIX), explicit names production sets, the log level, and the AWS endpoint and region.
 */
export const commonVars = {
  ...topologyVars,
  ...awsVars,
  EVENT_BUS_NAME: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` }).default("info"),
  HTTP_HOST: z.string().min(1).default("127.0.0.1"),
};

/** The queue consumer's settings, shared by the worker and the event consumers (defaults may differ). */
export const queueVars = {
  VISIBILITY_TIMEOUT_SECONDS: intVar(60, 2, 43_200),
  HEARTBEAT_INTERVAL_SECONDS: intVar(20, 1, 43_199),
  POLL_WAIT_SECONDS: intVar(10, 0, 20),
  DRAIN_TIMEOUT_MS: intVar(25_000, 0, 600_000),
};
