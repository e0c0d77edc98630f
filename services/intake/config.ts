/**
 * The intake's configuration, read once at start from the environment. The jobs queue and the bucket (for
 * job status) derive from the topology prefix when not given; production (Pulumi) sets them all, and the
 * two secrets come from Secrets Manager through the task definition.
 */
import { z } from "zod";
import { commonVars, intVar, readConfig } from "#services/shared/config.js";

/** A gateway token: what events/front-door.ts `integrationRequestParameters` accepts. */
const GATEWAY_TOKEN = /^[A-Za-z0-9_-]{32,256}$/;

export const IntakeConfigSchema = z.object({
  ...commonVars,
  JOBS_QUEUE_URL: z.url({ error: "must be a URL" }).optional(),
  HTTP_PORT: intVar(8080, 0, 65_535),
  HTTP_MAX_BODY_BYTES: intVar(256 * 1024, 1_024, 10 * 1024 * 1024),
  /** Time a client has to send a whole request (headers and body), ms. */
  HTTP_REQUEST_TIMEOUT_MS: intVar(10_000, 1_000, 120_000),
  /** Open connections at most; further ones are closed at once. */
  HTTP_MAX_CONNECTIONS: intVar(256, 1, 65_535),
  /**
   * The secret the API gateway's integration adds to every request it forwards (events/front-door.ts
   * GATEWAY_HEADERS.token): a request without it did not come through the door and is refused.
   */
  INTAKE_GATEWAY_TOKEN: z.string().regex(GATEWAY_TOKEN, {
    error: "must be 32 to 256 letters, digits, - or _ (the API gateway's integration sends the same value)",
  }),
  /**
   * Local development only: the caller every request is attributed to, since LocalStack's gateway
   * authenticates nobody. Never set in production (the caller then comes from the gateway's IAM identity).
   */
  INTAKE_LOCAL_CALLER: z
    .string()
    .regex(/^[A-Za-z0-9:._@/-]{1,128}$/, { error: "must be 1-128 letters, digits or :._@/-" })
    .optional(),
  /**
   * The secret that keys the job ids the Snowflake intake derives (HMAC). Unset: a random key per
   * process, so derived ids are unpredictable but not stable across intake tasks (a warning says so).
   */
  INTAKE_JOB_ID_KEY: z.string().min(32, { error: "must be at least 32 characters" }).optional(),
  /** Jobs one caller may submit per minute, steadily (a Snowflake batch counts one per row). */
  INTAKE_CALLER_JOBS_PER_MINUTE: intVar(600, 1, 1_000_000),
  /** Jobs one caller may submit at once: at least one full Snowflake batch (500 rows). */
  INTAKE_CALLER_BURST: intVar(500, 1, 1_000_000),
});

export type IntakeConfig = z.output<typeof IntakeConfigSchema>;

export function readIntakeConfig(env: NodeJS.ProcessEnv = process.env): IntakeConfig {
  return readConfig(IntakeConfigSchema, env);
}
