/**
 * The worker's configuration, read once at start from the environment. Local runs need none of it: the
 * queue, bus and bucket are derived from the topology prefix (REPORTS_PREFIX, default the topology's DEFAULT_PREFIX) when
 * not given explicitly; production (Pulumi) sets them all.
 */
import { z } from "zod";
import {
  checkHeartbeat,
  commonVars,
  intVar,
  optionalIntVar,
  queueVars,
  readConfig,
} from "#services/shared/config.js";

export const WorkerConfigSchema = z
  .object({
    ...commonVars,
    ...queueVars,
    JOBS_QUEUE_URL: z.url({ error: "must be a URL" }).optional(),
    WAREHOUSE: z.enum(["duckdb", "snowflake"], { error: "must be duckdb or snowflake" }).default("duckdb"),
    DUCKDB_PATH: z.string().min(1).default(":memory:"),
    DUCKDB_SCALE: intVar(1, 1, 100_000),
    /**
     * DuckDB resources for the embedded warehouse in a small container: its buffer-manager cap (DuckDB's
     * default is 80 % of RAM), worker threads (default: all cores) and where operators spill beyond the cap.
     */
    DUCKDB_MEMORY_LIMIT: z
      .string()
      .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, {
        error: 'must be a size such as "256MB" or "1GiB"',
      })
      .optional(),
    DUCKDB_THREADS: optionalIntVar(1, 256),
    DUCKDB_TEMP_DIRECTORY: z.string().min(1).optional(),
    SNOWFLAKE_SECRET_ID: z.string().min(1).optional(),
    WORKER_CONCURRENCY: intVar(4, 1, 100),
    RETRY_BASE_SECONDS: intVar(10, 0, 900),
    /** How often the jobs DLQ is checked for jobs that died without a final event; 0 turns it off. */
    DLQ_SWEEP_INTERVAL_SECONDS: intVar(300, 0, 86_400),
    QUERY_TIMEOUT_MS: intVar(300_000, 1_000, 3_600_000),
    HTTP_PORT: intVar(8000, 0, 65_535),
    /** The secret that keys the job ids of scheduled runs (the intake's INTAKE_JOB_ID_KEY, one secret). */
    JOB_ID_KEY: z.string().min(32, { error: "must be at least 32 characters" }).optional(),
    TMPDIR: z.string().optional(),
  })
  .superRefine((c, ctx) => {
    checkHeartbeat(c, ctx);
    if (c.WAREHOUSE === "snowflake" && !c.SNOWFLAKE_SECRET_ID) {
      ctx.addIssue({
        code: "custom",
        path: ["SNOWFLAKE_SECRET_ID"],
        message: "is required when WAREHOUSE=snowflake",
      });
    }
  });

export type WorkerConfig = z.output<typeof WorkerConfigSchema>;

export function readWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  return readConfig(WorkerConfigSchema, env);
}
