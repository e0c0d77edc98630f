/**
 * Hosts one or more event consumers in a process: resolves their queues (and DLQs, from the redrive
 * policy), builds each consumer's dependencies, polls with the shared QueueConsumer, serves /health if
 * asked, and drains on stop. Production runs one consumer per process (one ECS service each); a local run
 * may host all three together.
 */

import { ListTopicsCommand } from "@aws-sdk/client-sns";
import { GetQueueUrlCommand } from "@aws-sdk/client-sqs";
import { ReportEventPublisher } from "#events/event-publisher.js";
import { buildTopology, type ConsumerId } from "#events/topology.js";
import { createAuditor } from "#services/auditor/auditor.js";
import { createNotifier } from "#services/notifier/notifier.js";
import { createOrganizer } from "#services/organizer/organizer.js";
import { type AwsClients, createAwsClients, destroyAwsClients } from "#services/shared/aws.js";
import type { Logger } from "#services/shared/logger.js";
import { QueueConsumer } from "#services/shared/queue-consumer.js";
import { redriveOf } from "#services/shared/queues.js";
import { createHttpServer, listen } from "#services/worker/http-server.js";
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

async function topicArnFor(clients: AwsClients, config: ConsumerConfig): Promise<string> {
  if (config.NOTIFICATIONS_TOPIC_ARN) return config.NOTIFICATIONS_TOPIC_ARN;
  const name = buildTopology({ prefix: config.REPORTS_PREFIX }).notifications.topicName;
  let token: string | undefined;
  for (let page = 0; page < 100; page++) {
    const out = await clients.sns.send(new ListTopicsCommand(token ? { NextToken: token } : {}));
    const found = out.Topics?.find((t) => t.TopicArn?.endsWith(`:${name}`));
    if (found?.TopicArn) return found.TopicArn;
    token = out.NextToken;
    if (!token) break;
  }
  throw new Error(`SNS topic ${name} not found; set NOTIFICATIONS_TOPIC_ARN`);
}

export async function startConsumers(
  ids: readonly ConsumerId[],
  config: ConsumerConfig,
  logger: Logger,
): Promise<RunningConsumers> {
  const clients = createAwsClients();
  const topology = buildTopology({ prefix: config.REPORTS_PREFIX });
  const bucket = config.REPORTS_BUCKET ?? topology.bucket.name;
  const events = new ReportEventPublisher(clients.events, {
    busName: config.EVENT_BUS_NAME ?? topology.bus.name,
  });

  const definitions: Record<ConsumerId, () => Promise<ConsumerDefinition>> = {
    organizer: async () => createOrganizer({ s3: clients.s3, bucket, events }),
    auditor: async () => createAuditor({ s3: clients.s3, bucket }),
    notifier: async () =>
      createNotifier({
        sns: clients.sns,
        s3: clients.s3,
        topicArn: await topicArnFor(clients, config),
        events,
        linkExpiresSeconds: config.LINK_EXPIRES_SECONDS,
        ...(config.WEBHOOK_SIGNING_SECRET ? { webhookSecret: config.WEBHOOK_SIGNING_SECRET } : {}),
        webhookTimeoutMs: config.WEBHOOK_TIMEOUT_MS,
        webhookMaxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
      }),
  };

  const consumers: Record<string, QueueConsumer> = {};
  for (const id of ids) {
    const def = await definitions[id]();
    const queueUrl = await queueUrlFor(clients, config, id, ids.length === 1);
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
          health: async () =>
            Object.fromEntries(
              Object.entries(consumers).map(([id, c]) => [
                id,
                { ok: c.isRunning, detail: `${c.inFlightCount} in flight` },
              ]),
            ),
          submit: async () => {
            throw new Error("this process does not accept jobs");
          },
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
