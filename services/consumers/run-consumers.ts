/**
 * The host every event consumer runs in: handed the consumers' factories (each process passes its own,
 * so an organizer process loads only the organizer), it resolves their queues (and DLQs, from the redrive
 * policy), builds each consumer, polls with the shared QueueConsumer, serves /health if asked, and drains
 * on stop. Production runs one consumer per process (one ECS service each); local tooling may host all
 * three together (localstack/consumers.ts).
 */

import { GetQueueUrlCommand } from "@aws-sdk/client-sqs";
import { ReportEventPublisher } from "#events/event-publisher.js";
import { buildTopology, type ConsumerId, type Topology } from "#events/topology.js";
import {
  type AwsClients,
  awsClientOptions,
  createAwsClients,
  destroyAwsClients,
} from "#services/shared/aws.js";
import { createHttpServer, listen } from "#services/shared/http-server.js";
import type { Logger } from "#services/shared/logger.js";
import { QueueConsumer } from "#services/shared/queue-consumer.js";
import { redriveOf } from "#services/shared/queues.js";
import type { ConsumerConfig } from "./config.js";
import { type ConsumerDefinition, processEventMessage } from "./event-consumer.js";
import { EventLedger } from "./event-ledger.js";

export interface RunningConsumers {
  port?: number;
  consumers: Record<string, QueueConsumer>;
  stop(): Promise<void>;
}

async function queueUrlFor(clients: AwsClients, config: ConsumerConfig, id: ConsumerId, only: boolean) {
  if (config.QUEUE_URL && only) return config.QUEUE_URL;
  const name = buildTopology({ prefix: config.REPORTS_PREFIX }).consumers[id].queueName;
  const out = await clients.sqs.send(new GetQueueUrlCommand({ QueueName: name }));
  if (!out.QueueUrl) throw new Error(`queue ${name} not found`);
  return out.QueueUrl;
}

/** What the host gives a consumer to build itself from. */
export interface ConsumerContext {
  clients: AwsClients;
  config: ConsumerConfig;
  topology: Topology;
  /** The reports bucket. */
  bucket: string;
  /** Publishes the consumer's own events (ReportOrganized, ReportNotified). */
  events: ReportEventPublisher;
}

/** One consumer, as its process hands it to the host. */
export interface ConsumerFactory {
  id: ConsumerId;
  create(context: ConsumerContext): Promise<ConsumerDefinition>;
}

export interface ConsumerHostOptions {
  /** Sees the AWS clients before first use (the bench counts the requests each consumer makes). */
  instrument?: (clients: AwsClients) => void;
}

export async function startConsumers(
  factories: readonly ConsumerFactory[],
  config: ConsumerConfig,
  logger: Logger,
  options: ConsumerHostOptions = {},
): Promise<RunningConsumers> {
  const clients = createAwsClients(awsClientOptions(config));
  options.instrument?.(clients);
  const topology = buildTopology({ prefix: config.REPORTS_PREFIX });
  const bucket = config.REPORTS_BUCKET ?? topology.bucket.name;
  const events = new ReportEventPublisher(clients.events, {
    busName: config.EVENT_BUS_NAME ?? topology.bus.name,
  });
  const context: ConsumerContext = { clients, config, topology, bucket, events };
  const ids = factories.map((f) => f.id);

  const consumers: Record<string, QueueConsumer> = {};
  for (const { id, create } of factories) {
    const def = await create(context);
    const queueUrl = await queueUrlFor(clients, config, id, factories.length === 1);
    const { dlqUrl, maxReceiveCount } = await redriveOf(clients.sqs, queueUrl);
    const log = logger.child({ consumer: id });
    const ledger = def.useLedger
      ? new EventLedger(clients.s3, bucket, id, config.LEDGER_STALE_MS, `${id}-${process.pid}`)
      : undefined;
    consumers[id] = new QueueConsumer({
      name: id,
      sqs: clients.sqs,
      queueUrl,
      concurrency: config.CONSUMER_CONCURRENCY,
      visibilityTimeoutSeconds: config.VISIBILITY_TIMEOUT_SECONDS,
      heartbeatIntervalSeconds: config.HEARTBEAT_INTERVAL_SECONDS,
      waitTimeSeconds: config.POLL_WAIT_SECONDS,
      logger: log,
      handle: (message) =>
        processEventMessage(message, def, {
          sqs: clients.sqs,
          dlqUrl,
          ...(ledger ? { ledger } : {}),
          logger: log,
          maxReceiveCount,
          retryBaseSeconds: config.RETRY_BASE_SECONDS,
        }),
    });
  }

  let port: number | undefined;
  const server =
    config.HTTP_PORT >= 0
      ? createHttpServer({
          logger,
          maxBodyBytes: 1024,
          live: () => Object.values(consumers).every((c) => c.isRunning),
          health: async () =>
            Object.fromEntries(
              Object.entries(consumers).map(([id, c]) => [
                id,
                { ok: c.isRunning, inFlight: c.inFlightCount },
              ]),
            ),
        })
      : undefined;
  if (server) port = await listen(server, config.HTTP_PORT, config.HTTP_HOST);

  for (const c of Object.values(consumers)) c.start();
  logger.info("consumers started", { consumers: ids, bucket, ...(port ? { port } : {}) });

  let stopping: Promise<void> | undefined;
  return {
    ...(port !== undefined ? { port } : {}),
    consumers,
    stop() {
      stopping ??= (async () => {
        await Promise.all(Object.values(consumers).map((c) => c.stop(config.DRAIN_TIMEOUT_MS)));
        if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
        destroyAwsClients(clients);
        logger.info("consumers stopped");
      })();
      return stopping;
    },
  };
}
