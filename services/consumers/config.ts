/**
 * Configuration of the event consumers (organizer, notifier, auditor), read once at start. As for the
 * worker, local runs need none of it: names come from the topology prefix unless given explicitly
 * (production sets QUEUE_URL per process, EVENT_BUS_NAME, REPORTS_BUCKET, NOTIFICATIONS_TOPIC_ARN).
 */
import { z } from "zod";
import { checkHeartbeat, commonVars, intVar, queueVars, readConfig } from "#services/shared/config.js";

/** A host name (or IP address) as webhook-policy.ts compares it: lower case, no brackets or trailing dot. */
const HOST_NAME =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$|^[0-9a-f:.]+$/;
const normalHost = (h: string) =>
  h
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1")
    .replace(/\.$/, "");
const WEBHOOK_SECRET_MIN = 16;

/** `WEBHOOK_ALLOWED_HOSTS`: comma-separated host names → the list, normalised. */
const allowedHostsVar = z
  .string()
  .transform((raw, ctx) => {
    const hosts = raw
      .split(",")
      .map(normalHost)
      .filter((h) => h !== "");
    const bad = hosts.find((h) => h.length > 253 || !HOST_NAME.test(h));
    if (hosts.length === 0 || bad !== undefined) {
      ctx.addIssue({
        code: "custom",
        message:
          bad !== undefined
            ? `"${bad.slice(0, 64)}" is not a host name (give host names separated by commas)`
            : "must list host names separated by commas",
      });
      return z.NEVER;
    }
    return hosts;
  })
  .optional();

/** `WEBHOOK_SIGNING_SECRETS`: a JSON object `{ "<host>": "<secret>" }` → secrets by normalised host. */
const signingSecretsVar = z
  .string()
  .transform((raw, ctx) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      ctx.addIssue({ code: "custom", message: 'must be a JSON object { "<host>": "<secret>" }' });
      return z.NEVER;
    }
    const secrets: Array<[string, string]> = [];
    for (const [key, secret] of Object.entries(parsed)) {
      const host = normalHost(key);
      // Never echo a secret: name the host only.
      if (!HOST_NAME.test(host) || host.length > 253) {
        ctx.addIssue({ code: "custom", message: `"${key.slice(0, 64)}" is not a host name` });
        return z.NEVER;
      }
      if (typeof secret !== "string" || secret.length < WEBHOOK_SECRET_MIN) {
        ctx.addIssue({
          code: "custom",
          message: `the secret for ${host} must be a string of at least ${WEBHOOK_SECRET_MIN} characters`,
        });
        return z.NEVER;
      }
      secrets.push([host, secret]);
    }
    // fromEntries defines own properties, so even a host named "__proto__" stays a plain key.
    return Object.fromEntries(secrets) as Record<string, string>;
  })
  .optional();

export const ConsumerConfigSchema = z
  .object({
    ...commonVars,
    ...queueVars,
    /** The consumer's own queue (one consumer per process in production). */
    QUEUE_URL: z.url({ error: "must be a URL" }).optional(),
    NOTIFICATIONS_TOPIC_ARN: z.string().startsWith("arn:", { error: "must be an SNS topic ARN" }).optional(),
    CONSUMER_CONCURRENCY: intVar(8, 1, 100),
    RETRY_BASE_SECONDS: intVar(5, 0, 900),
    /** A ledger claim older than this is taken over (its process is presumed dead). */
    LEDGER_STALE_MS: intVar(300_000, 1_000, 86_400_000),
    /** Presigned download links in notifications live this long (S3 allows up to 7 days). */
    LINK_EXPIRES_SECONDS: intVar(86_400, 60, 604_800),
    /** The webhook signing secret of hosts that have none in WEBHOOK_SIGNING_SECRETS. */
    WEBHOOK_SIGNING_SECRET: z
      .string()
      .min(WEBHOOK_SECRET_MIN, { error: `must be at least ${WEBHOOK_SECRET_MIN} characters` })
      .optional(),
    /** A secret per subscriber: JSON `{ "<host>": "<secret>" }`, chosen by the webhook URL's host. */
    WEBHOOK_SIGNING_SECRETS: signingSecretsVar,
    WEBHOOK_TIMEOUT_MS: intVar(5_000, 100, 60_000),
    WEBHOOK_MAX_ATTEMPTS: intVar(3, 1, 10),
    /** When set, the only hosts webhooks may go to (comma-separated names); the address rules still apply. */
    WEBHOOK_ALLOWED_HOSTS: allowedHostsVar,
    /**
     * Local development only: webhooks may go to loopback addresses, over http too. Refused unless
     * AWS_ENDPOINT_URL is set (a local emulator), so a production environment cannot turn it on.
     */
    WEBHOOK_ALLOW_LOOPBACK: z
      .enum(["true", "false"], { error: 'must be "true" or "false"' })
      .default("false")
      .transform((v) => v === "true"),
    /** Health endpoint port; 0 picks a free one, -1 disables it. */
    HTTP_PORT: intVar(-1, -1, 65_535),
  })
  .superRefine((c, ctx) => {
    checkHeartbeat(c, ctx);
    if (c.WEBHOOK_ALLOW_LOOPBACK && !c.AWS_ENDPOINT_URL) {
      ctx.addIssue({
        code: "custom",
        path: ["WEBHOOK_ALLOW_LOOPBACK"],
        message: "may be true only for local development (AWS_ENDPOINT_URL set to a local emulator)",
      });
    }
  });

export type ConsumerConfig = z.output<typeof ConsumerConfigSchema>;

export function readConsumerConfig(env: NodeJS.ProcessEnv = process.env): ConsumerConfig {
  return readConfig(ConsumerConfigSchema, env);
}
