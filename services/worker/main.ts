/**
 * The report worker process: polls the jobs queue, runs reports, stores them, emits events; serves its
 * health (the HTTP intake is a process of its own, services/intake/); drains on SIGTERM/SIGINT and exits 0.
 *
 *   tsx services/worker/main.ts          (configuration: see services/worker/config.ts)
 */
import { GetQueueAttributesCommand, GetQueueUrlCommand } from "@aws-sdk/client-sqs";
import { toPipelineError } from "#events/errors.js";
import { ReportEventPublisher } from "#events/event-publisher.js";
import { buildTopology } from "#events/topology.js";
import { generateReport } from "#services/reports/generate-report.js";
import type { Warehouse } from "#services/reports/warehouse.port.js";
import {
  type AwsClients,
  awsClientOptions,
  createAwsClients,
  destroyAwsClients,
} from "#services/shared/aws.js";
import { createHttpServer, listen } from "#services/shared/http-server.js";
import { createLogger, type Logger } from "#services/shared/logger.js";
import { stopOnSignals } from "#services/shared/process-lifecycle.js";
import { QueueConsumer } from "#services/shared/queue-consumer.js";
import { redriveOf } from "#services/shared/queues.js";
import { getJobStatus } from "#services/status/job-status.js";
import { S3AuditTrail } from "#services/status/s3-audit-trail.js";
import { readWorkerConfig, type WorkerConfig } from "./config.js";
import { sweepDeadLetters } from "./dlq-sweeper.js";
import { type GenerateFn, processJobMessage } from "./process-job.js";
import { S3JobClaims } from "./s3-job-claims.js";
import { S3ReportStore } from "./s3-report-store.js";
import { S3StatementLedger } from "./s3-statement-ledger.js";
import { createWarehouse } from "./warehouse-factory.js";

export interface WorkerOverrides {
  /** Replace the configured warehouse (tests wrap the real one to inject faults). */
  warehouse?: (real: () => Promise<Warehouse>) => Promise<Warehouse>;
  generate?: GenerateFn;
  logger?: Logger;
  /** Emit EMF metric lines on stdout (default true). */
  metrics?: boolean;
  /** Sees the AWS clients before first use (tests count the calls the worker makes). */
  instrument?: (clients: AwsClients) => void;
}

export interface RunningWorker {
  port: number;
  queueUrl: string;
  consumer: QueueConsumer;
  /** Drains and stops everything; resolves when done. */
  stop(): Promise<{ drained: boolean; released: number }>;
}

export interface ResolvedNames {
  queueUrl: string;
  dlqUrl: string;
  busName: string;
  bucket: string;
  maxReceiveCount: number;
}

/** Fills in queue URL, bus and bucket from the topology prefix where the environment does not name them. */
export async function resolveNames(config: WorkerConfig, clients: AwsClients): Promise<ResolvedNames> {
  const topology = buildTopology({ prefix: config.REPORTS_PREFIX });
  const queueUrl =
    config.JOBS_QUEUE_URL ??
    (await clients.sqs.send(new GetQueueUrlCommand({ QueueName: topology.jobs.queueName }))).QueueUrl;
  if (!queueUrl) throw new Error(`jobs queue ${topology.jobs.queueName} not found`);
  const { dlqUrl, maxReceiveCount } = await redriveOf(clients.sqs, queueUrl);
  return {
    queueUrl,
    dlqUrl,
    busName: config.EVENT_BUS_NAME ?? topology.bus.name,
    bucket: config.REPORTS_BUCKET ?? topology.bucket.name,
    maxReceiveCount,
  };
}

export async function startWorker(
  config: WorkerConfig,
  overrides: WorkerOverrides = {},
): Promise<RunningWorker> {
  const logger = overrides.logger ?? createLogger({ service: "report-worker", level: config.LOG_LEVEL });
  const clients = createAwsClients(awsClientOptions(config));
  overrides.instrument?.(clients);
  const names = await resolveNames(config, clients);
  const auditTrail = new S3AuditTrail(clients.s3, names.bucket);
  const real = () =>
    createWarehouse(config, clients, logger, new S3StatementLedger(clients.s3, names.bucket));
  const warehouse = overrides.warehouse ? await overrides.warehouse(real) : await real();
  const events = new ReportEventPublisher(clients.events, { busName: names.busName });
  const store = new S3ReportStore(clients.s3, names.bucket);
  const claims = new S3JobClaims(clients.s3, names.bucket);

  const consumer = new QueueConsumer({
    name: "jobs",
    sqs: clients.sqs,
    queueUrl: names.queueUrl,
    concurrency: config.WORKER_CONCURRENCY,
    visibilityTimeoutSeconds: config.VISIBILITY_TIMEOUT_SECONDS,
    heartbeatIntervalSeconds: config.HEARTBEAT_INTERVAL_SECONDS,
    waitTimeSeconds: config.POLL_WAIT_SECONDS,
    logger,
    handle: (message) =>
      processJobMessage(message, {
        warehouse,
        store,
        claims,
        events,
        generate: overrides.generate ?? generateReport,
        logger,
        maxReceiveCount: names.maxReceiveCount,
        retryBaseSeconds: config.RETRY_BASE_SECONDS,
        queryTimeoutMs: config.QUERY_TIMEOUT_MS,
        metrics: overrides.metrics ?? true,
        ...(config.TMPDIR ? { tmpDir: config.TMPDIR } : {}),
        ...(config.JOB_ID_KEY ? { jobIdKey: config.JOB_ID_KEY } : {}),
      }),
  });

  const server = createHttpServer({
    logger,
    maxBodyBytes: 1024,
    // readiness: can the worker do a job now (the queue and the warehouse answer); liveness only asks
    // whether it still polls, so a warehouse outage makes it unready, not restarted
    live: () => consumer.isRunning,
    health: async () => {
      const check = async (fn: () => Promise<unknown>) => {
        try {
          await fn();
          return { ok: true };
        } catch (error) {
          return { ok: false, code: toPipelineError(error).code };
        }
      };
      const [queue, wh] = await Promise.all([
        check(() =>
          clients.sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: names.queueUrl,
              AttributeNames: ["ApproximateNumberOfMessages"],
            }),
          ),
        ),
        check(() => warehouse.ping()),
      ]);
      return {
        queue,
        warehouse: wh,
        consumer: { ok: consumer.isRunning, inFlight: consumer.inFlightCount },
      };
    },
  });
  const port = await listen(server, config.HTTP_PORT, config.HTTP_HOST);
  consumer.start();

  // Jobs that reached the DLQ without a final event (a crash on their last receive) get one.
  let sweeping = false;
  const sweep = async () => {
    if (sweeping) return;
    sweeping = true;
    try {
      await sweepDeadLetters({
        sqs: clients.sqs,
        dlqUrl: names.dlqUrl,
        events,
        status: (jobId) => getJobStatus(auditTrail, jobId),
        logger,
        hideSeconds: Math.max(60, config.DLQ_SWEEP_INTERVAL_SECONDS * 10),
      });
    } catch (error) {
      logger.warn("DLQ sweep failed; will try again", { error });
    } finally {
      sweeping = false;
    }
  };
  const sweeper =
    config.DLQ_SWEEP_INTERVAL_SECONDS > 0
      ? setInterval(sweep, config.DLQ_SWEEP_INTERVAL_SECONDS * 1000)
      : undefined;
  sweeper?.unref();
  logger.info("worker started", { port, queueUrl: names.queueUrl, bus: names.busName, bucket: names.bucket });

  let stopping: Promise<{ drained: boolean; released: number }> | undefined;
  return {
    port,
    queueUrl: names.queueUrl,
    consumer,
    stop() {
      stopping ??= (async () => {
        if (sweeper) clearInterval(sweeper);
        const result = await consumer.stop(config.DRAIN_TIMEOUT_MS, {
          beforeRelease: async () => {
            const cancelled = (await warehouse.cancelRunning?.()) ?? 0;
            if (cancelled > 0)
              logger.info("cancelled running warehouse statements before release", { cancelled });
          },
        });
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await warehouse.close().catch((error) => logger.warn("warehouse close failed", { error }));
        destroyAwsClients(clients);
        logger.info("worker stopped", { ...result });
        return result;
      })();
      return stopping;
    },
  };
}

/**
 * Runs the worker as a process: reads the configuration (exit 2 naming the variable when it is bad),
 * starts, drains on SIGTERM/SIGINT. `overrides` let local tooling wrap the warehouse (fault drills) without
 * anything of that kind in the deployed code.
 */
export async function runWorkerProcess(overrides: Omit<WorkerOverrides, "logger"> = {}): Promise<void> {
  let config: WorkerConfig;
  try {
    config = readWorkerConfig();
  } catch (error) {
    createLogger({ service: "report-worker" }).error((error as Error).message, { error });
    process.exit(2);
  }
  const logger = createLogger({ service: "report-worker", level: config.LOG_LEVEL });
  // Signals are handled from the start: a SIGTERM that arrives while (or just after) the worker starts
  // still drains it and exits 0, instead of killing the process.
  const starting = startWorker(config, { ...overrides, logger });
  let worker: RunningWorker | undefined;
  stopOnSignals(
    async () => (await starting).stop(),
    logger,
    () => ({ inFlight: worker?.consumer.inFlightCount ?? 0 }),
  );
  try {
    worker = await starting;
  } catch (error) {
    logger.error("worker failed to start", { error });
    process.exit(1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runWorkerProcess();
}
