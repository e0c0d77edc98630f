/**
 * The intake process: the front door's routes (events/front-door.ts) behind the API gateway, and its
 * health. `POST /jobs` and `POST /snowflake/submit` enqueue jobs on the jobs queue, `GET /jobs/{jobId}`
 * answers from the audit trail. Every routed request must have come through the gateway and carries the
 * caller's identity, which becomes the job's `requestedBy` (services/intake/gateway-caller.ts); each caller
 * has a quota (caller-quota.ts). Drains on SIGTERM/SIGINT and exits 0.
 *
 *   node dist/services/intake/main.js     (configuration: see services/intake/config.ts)
 */
import { randomBytes } from "node:crypto";
import { GetQueueAttributesCommand, GetQueueUrlCommand } from "@aws-sdk/client-sqs";
import { toPipelineError } from "#events/errors.js";
import { submitReportJob } from "#events/submit-report-job.js";
import { buildTopology } from "#events/topology.js";
import {
  type AwsClients,
  awsClientOptions,
  createAwsClients,
  destroyAwsClients,
} from "#services/shared/aws.js";
import { createHttpServer, listen, type RequestContext } from "#services/shared/http-server.js";
import { createLogger, type Logger } from "#services/shared/logger.js";
import { stopOnSignals } from "#services/shared/process-lifecycle.js";
import { getJobStatus } from "#services/status/job-status.js";
import { S3AuditTrail } from "#services/status/s3-audit-trail.js";
import { CallerQuota } from "./caller-quota.js";
import { type IntakeConfig, readIntakeConfig } from "./config.js";
import { gatewayCaller } from "./gateway-caller.js";
import { handleSnowflakeSubmit } from "./snowflake-external-function.js";

export interface IntakeOverrides {
  logger?: Logger;
  /** Sees the AWS clients before first use (tests count the calls the intake makes). */
  instrument?: (clients: AwsClients) => void;
}

export interface RunningIntake {
  port: number;
  queueUrl: string;
  /** Stops taking connections, lets requests in flight finish (bounded), and resolves when done. */
  stop(): Promise<void>;
}

/** How long requests in flight may take to finish on stop before their connections are closed. */
const STOP_GRACE_MS = 10_000;

/** The caller `authorize` established (the server calls it before every routed handler). */
function callerOf(context: RequestContext): string {
  if (!context.caller) throw new Error("intake: a routed request reached its handler without a caller");
  return context.caller;
}

/** The jobs a request asks for, as the quota counts them: one per Snowflake row, else one. */
function rowsOf(body: unknown): number {
  const data = (body as { data?: unknown } | null)?.data;
  return Array.isArray(data) ? Math.max(1, data.length) : 1;
}

export async function startIntake(
  config: IntakeConfig,
  overrides: IntakeOverrides = {},
): Promise<RunningIntake> {
  const logger = overrides.logger ?? createLogger({ service: "intake", level: config.LOG_LEVEL });
  const clients = createAwsClients(awsClientOptions(config));
  overrides.instrument?.(clients);
  const topology = buildTopology({ prefix: config.REPORTS_PREFIX });
  const queueUrl =
    config.JOBS_QUEUE_URL ??
    (await clients.sqs.send(new GetQueueUrlCommand({ QueueName: topology.jobs.queueName }))).QueueUrl;
  if (!queueUrl) throw new Error(`jobs queue ${topology.jobs.queueName} not found`);
  const auditTrail = new S3AuditTrail(clients.s3, config.REPORTS_BUCKET ?? topology.bucket.name);
  const idKey = config.INTAKE_JOB_ID_KEY ?? randomBytes(32).toString("hex");
  if (!config.INTAKE_JOB_ID_KEY) {
    logger.warn(
      "INTAKE_JOB_ID_KEY is not set: job ids the Snowflake intake derives use a random key of this process (a retried batch served by another intake task gets new ids)",
    );
  }
  if (config.INTAKE_LOCAL_CALLER) {
    logger.warn("INTAKE_LOCAL_CALLER is set: every request is attributed to it (local development only)", {
      caller: config.INTAKE_LOCAL_CALLER,
    });
  }
  const quota = new CallerQuota({
    perMinute: config.INTAKE_CALLER_JOBS_PER_MINUTE,
    burst: config.INTAKE_CALLER_BURST,
  });

  const server = createHttpServer({
    logger,
    maxBodyBytes: config.HTTP_MAX_BODY_BYTES,
    limits: {
      requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
      maxConnections: config.HTTP_MAX_CONNECTIONS,
    },
    authorize: gatewayCaller({ token: config.INTAKE_GATEWAY_TOKEN, localCaller: config.INTAKE_LOCAL_CALLER }),
    health: async () => {
      try {
        await clients.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: queueUrl,
            AttributeNames: ["ApproximateNumberOfMessages"],
          }),
        );
        return { queue: { ok: true } };
      } catch (error) {
        return { queue: { ok: false, code: toPipelineError(error).code } };
      }
    },
    submit: async (input, context) => {
      const caller = callerOf(context);
      quota.take(caller, 1);
      // The caller is who the gateway authenticated: a requestedBy in the body is replaced, never trusted.
      const named = (input as { requestedBy?: unknown } | null)?.requestedBy;
      const draft =
        input !== null && typeof input === "object" && !Array.isArray(input)
          ? { ...input, requestedBy: caller }
          : input;
      const { messageId, job } = await submitReportJob(clients.sqs, queueUrl, draft as never);
      logger.info("job accepted over HTTP", {
        jobId: job.jobId,
        messageId,
        caller,
        ...(context.gatewayRequestId ? { gatewayRequestId: context.gatewayRequestId } : {}),
        ...(named !== undefined && named !== caller ? { ignoredRequestedBy: true } : {}),
      });
      return { jobId: job.jobId, messageId };
    },
    status: async (jobId, context) => {
      quota.take(callerOf(context), 1);
      return getJobStatus(auditTrail, jobId);
    },
    // Snowflake external function `submit_report(type, params)` (sql/operations/): one job per row.
    snowflakeSubmit: async (body, context) => {
      const caller = callerOf(context);
      quota.take(caller, rowsOf(body));
      return handleSnowflakeSubmit(
        body,
        async (jobInput) => {
          const { job } = await submitReportJob(clients.sqs, queueUrl, jobInput);
          return { jobId: job.jobId };
        },
        { idKey, requestedBy: caller },
      );
    },
  });
  const port = await listen(server, config.HTTP_PORT, config.HTTP_HOST);
  logger.info("intake started", { port, queueUrl });

  let stopping: Promise<void> | undefined;
  return {
    port,
    queueUrl,
    stop() {
      stopping ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const grace = setTimeout(() => server.closeAllConnections(), STOP_GRACE_MS);
        await closed;
        clearTimeout(grace);
        destroyAwsClients(clients);
        logger.info("intake stopped");
      })();
      return stopping;
    },
  };
}

/** Runs the intake as a process: reads the configuration (exit 2 naming the variable when it is bad). */
export async function runIntakeProcess(): Promise<void> {
  let config: IntakeConfig;
  try {
    config = readIntakeConfig();
  } catch (error) {
    createLogger({ service: "intake" }).error((error as Error).message, { error });
    process.exit(2);
  }
  const logger = createLogger({ service: "intake", level: config.LOG_LEVEL });
  const starting = startIntake(config, { logger });
  stopOnSignals(async () => (await starting).stop(), logger);
  try {
    await starting;
  } catch (error) {
    logger.error("intake failed to start", { error });
    process.exit(1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runIntakeProcess();
}
