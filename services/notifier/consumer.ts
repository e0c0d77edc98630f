/** The notifier as the consumer host builds it: the domain (notifier.ts) over SNS and S3 adapters. */
import { ListTopicsCommand } from "@aws-sdk/client-sns";
import type { ConsumerContext, ConsumerFactory } from "#services/consumers/run-consumers.js";
import { HttpsWebhookSender } from "./https-webhook-sender.js";
import { createNotifier } from "./notifier.js";
import { S3DownloadLinks } from "./s3-download-links.js";
import { SnsNotificationTopic } from "./sns-notification-topic.js";

/** The notifications topic: NOTIFICATIONS_TOPIC_ARN, else found by the topology's name. */
async function topicArnFor({ clients, config, topology }: ConsumerContext): Promise<string> {
  if (config.NOTIFICATIONS_TOPIC_ARN) return config.NOTIFICATIONS_TOPIC_ARN;
  const name = topology.notifications.topicName;
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

/** The notifier as the consumer host builds it. */
export const notifierConsumer: ConsumerFactory = {
  id: "notifier",
  create: async (context) => {
    const { clients, config, events } = context;
    return createNotifier({
      topic: new SnsNotificationTopic(clients.sns, await topicArnFor(context)),
      links: new S3DownloadLinks(clients.s3),
      events,
      linkExpiresSeconds: config.LINK_EXPIRES_SECONDS,
      ...(config.WEBHOOK_SIGNING_SECRET ? { webhookSecret: config.WEBHOOK_SIGNING_SECRET } : {}),
      ...(config.WEBHOOK_SIGNING_SECRETS ? { webhookSecrets: config.WEBHOOK_SIGNING_SECRETS } : {}),
      webhookTimeoutMs: config.WEBHOOK_TIMEOUT_MS,
      webhookMaxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
      webhooks: new HttpsWebhookSender({
        policy: {
          allowLoopback: config.WEBHOOK_ALLOW_LOOPBACK,
          allowedHosts: config.WEBHOOK_ALLOWED_HOSTS,
        },
      }),
    });
  },
};
