/**
 * Configuration of the event consumers (organizer, notifier, auditor), read once at start. As for the
 * worker, local runs need none of it: names come from the topology prefix unless given explicitly
 * (production sets QUEUE_URL per process, EVENT_BUS_NAME, REPORTS_BUCKET, NOTIFICATIONS_TOPIC_ARN).
 */
import { z } from "zod";
import { checkHeartbeat, commonVars, intVar, queueVars, readConfig } from "#services/shared/config.js";

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
    WEBHOOK_SIGNING_SECRET: z.string().min(16, { error: "must be at least 16 characters" }).optional(),
    WEBHOOK_TIMEOUT_MS: intVar(5_000, 100, 60_000),
    WEBHOOK_MAX_ATTEMPTS: intVar(3, 1, 10),
    /** Health endpoint port; 0 picks a free one, -1 disables it. */
    HTTP_PORT: intVar(-1, -1, 65_535),
  })
  .superRefine((c, ctx) => {
    checkHeartbeat(c, ctx);
  });

export type ConsumerConfig = z.output<typeof ConsumerConfigSchema>;

export function readConsumerConfig(env: NodeJS.ProcessEnv = process.env): ConsumerConfig {
  return readConfig(ConsumerConfigSchema, env);
}
