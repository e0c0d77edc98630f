/**
 * Configuration of the event consumers (organizer, notifier, auditor), read once at start. As for the
 * worker, local runs need none of it: names come from the topology prefix unless given explicitly
 * (production sets QUEUE_URL per process, EVENT_BUS_NAME, REPORTS_BUCKET, NOTIFICATIONS_TOPIC_ARN).
 */
import { z } from "zod";
import { readConfig } from "#services/shared/config.js";

const int = (fallback: number, min: number, max: number) =>
  z.coerce
    .number({ error: "must be a number" })
    .int({ error: "must be an integer" })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` })
    .default(fallback);

export const ConsumerConfigSchema = z
  .object({
    REPORTS_PREFIX: z.string().min(1).default("rp-local"),
    /** The consumer's own queue (one consumer per process in production). */
    QUEUE_URL: z.url({ error: "must be a URL" }).optional(),
    EVENT_BUS_NAME: z.string().min(1).optional(),
    REPORTS_BUCKET: z.string().min(3).optional(),
    NOTIFICATIONS_TOPIC_ARN: z.string().startsWith("arn:", { error: "must be an SNS topic ARN" }).optional(),
    CONSUMER_CONCURRENCY: int(8, 1, 100),
    VISIBILITY_TIMEOUT_SECONDS: int(60, 2, 43_200),
    HEARTBEAT_INTERVAL_SECONDS: int(20, 1, 43_199),
    POLL_WAIT_SECONDS: int(10, 0, 20),
    RETRY_BASE_SECONDS: int(5, 0, 900),
    DRAIN_TIMEOUT_MS: int(25_000, 0, 600_000),
    /** A ledger claim older than this is taken over (its process is presumed dead). */
    LEDGER_STALE_MS: int(300_000, 1_000, 86_400_000),
    /** Presigned download links in notifications live this long (S3 allows up to 7 days). */
    LINK_EXPIRES_SECONDS: int(86_400, 60, 604_800),
    WEBHOOK_SIGNING_SECRET: z.string().min(16, { error: "must be at least 16 characters" }).optional(),
    WEBHOOK_TIMEOUT_MS: int(5_000, 100, 60_000),
    WEBHOOK_MAX_ATTEMPTS: int(3, 1, 10),
    HTTP_HOST: z.string().min(1).default("127.0.0.1"),
    /** Health endpoint port; 0 picks a free one, -1 disables it. */
    HTTP_PORT: z.coerce.number().int().min(-1).max(65_535).default(-1),
  })
  .superRefine((c, ctx) => {
    if (c.HEARTBEAT_INTERVAL_SECONDS >= c.VISIBILITY_TIMEOUT_SECONDS) {
      ctx.addIssue({
        code: "custom",
        path: ["HEARTBEAT_INTERVAL_SECONDS"],
        message: "must be less than VISIBILITY_TIMEOUT_SECONDS",
      });
    }
  });

export type ConsumerConfig = z.output<typeof ConsumerConfigSchema>;

export function readConsumerConfig(env: NodeJS.ProcessEnv = process.env): ConsumerConfig {
  return readConfig(ConsumerConfigSchema, env);
}
