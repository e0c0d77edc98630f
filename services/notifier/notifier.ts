/**
 * Notifier (on ReportOrganized, final ReportFailed, ReportRejected): tells people. Publishes a readable
 * message to the SNS topic (what, when, size, a presigned download link; for failures the error code and
 * message) with attributes subscribers can filter on (reportType, outcome, jobId, eventId); optionally
 * POSTs a signed webhook per job (`delivery.webhookUrl`, HMAC-SHA256, retried, a failing hook is recorded
 * and never blocks the rest); honours `delivery.notifyOn` and `delivery.skipEmpty`; and emits a
 * ReportNotified receipt with each channel's outcome.
 *
 * SNS and the download links are ports (notifier-ports.ts; adapters sns-notification-topic.ts,
 * s3-download-links.ts), so these decisions import no AWS SDK.
 *
 * Webhooks go through a WebhookSender port (adapter https-webhook-sender.ts), which refuses destinations
 * inside the network (webhook-policy.ts) without connecting; a refusal is recorded as a failed channel
 * whose detail starts with "refused:". Signatures are events/webhook-signature.ts (timestamp, event id,
 * URL and body, with a secret per host when WEBHOOK_SIGNING_SECRETS names one); receivers verify with
 * its `verifyWebhookSignature` and dedupe on the event id.
 */

import { backoffDelay } from "#events/backoff.js";
import { DetailType, SCHEMA_VERSION } from "#events/names.js";
import { eventIdFor, type ReportNotified } from "#events/report-events.schema.js";
import { webhookSignatureHeaders } from "#events/webhook-signature.js";
import type { ConsumerDefinition, ReportEventEnvelope } from "#services/consumers/event-consumer.js";
import type { EventSink } from "#services/shared/event-sink.js";
import type { Logger } from "#services/shared/logger.js";
import type { DownloadLinks, NotificationTopic, WebhookResult, WebhookSender } from "./notifier-ports.js";
import { publicRefusal, webhookHost } from "./webhook-policy.js";

export interface NotifierDeps {
  topic: NotificationTopic;
  links: DownloadLinks;
  events: EventSink;
  /** Lifetime of the presigned download link, seconds. */
  linkExpiresSeconds: number;
  /** HMAC key for webhook signatures of hosts without their own; without either, webhooks are skipped. */
  webhookSecret?: string;
  /** HMAC keys by webhook host name (lower case), chosen before `webhookSecret`. */
  webhookSecrets?: Readonly<Record<string, string>>;
  webhookTimeoutMs: number;
  webhookMaxAttempts: number;
  /** POSTs the webhooks, refusing destinations the policy does not allow. */
  webhooks: WebhookSender;
}

type Channel = ReportNotified["channels"][number];
type Outcome = "organized" | "failed" | "rejected";

export interface Notification {
  outcome: Outcome;
  subject: string;
  text: string;
  attributes: Record<string, string>;
  /** The JSON payload webhooks receive. */
  payload: Record<string, unknown>;
}

function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Whether the job's delivery options ask for a notification of this event at all. */
export function shouldNotify(event: ReportEventEnvelope): { notify: boolean; reason?: string } {
  if (event.detailType === DetailType.ReportFailed && !event.detail.final) {
    return { notify: false, reason: "not final: the job will be retried" };
  }
  const delivery =
    event.detailType === DetailType.ReportOrganized || event.detailType === DetailType.ReportFailed
      ? event.detail.delivery
      : undefined;
  const notifyOn = delivery?.notifyOn ?? "always";
  if (notifyOn === "never") return { notify: false, reason: "delivery.notifyOn is never" };
  if (notifyOn === "failure" && event.detailType === DetailType.ReportOrganized) {
    return { notify: false, reason: "delivery.notifyOn is failure and the report succeeded" };
  }
  if (event.detailType === DetailType.ReportOrganized && delivery?.skipEmpty && event.detail.rowCount === 0) {
    return { notify: false, reason: "delivery.skipEmpty and the report has no rows" };
  }
  return { notify: true };
}

/** Builds the readable message. `link` is the presigned URL for an organized report. */
export function composeNotification(
  event: ReportEventEnvelope,
  link?: string,
  linkExpiresSeconds = 0,
): Notification {
  const base = { eventId: (event.detail as { eventId: string }).eventId, time: event.time };
  switch (event.detailType) {
    case DetailType.ReportOrganized: {
      const d = event.detail;
      const hours = Math.round(linkExpiresSeconds / 360) / 10;
      return {
        outcome: "organized",
        subject: `Report ready: ${d.reportType} ${d.jobId}`,
        text: [
          `Your ${d.reportType} report (job ${d.jobId}) is ready.`,
          "",
          `Generated: ${d.generatedAt}`,
          `Rows: ${d.rowCount}   Size: ${humanBytes(d.sizeBytes)}   Format: ${d.format}`,
          `Location: s3://${d.bucket}/${d.finalKey}`,
          link ? `Download (valid ${hours} h): ${link}` : "",
          `SHA-256: ${d.sha256}`,
        ]
          .filter((l) => l !== "")
          .join("\n"),
        attributes: { reportType: d.reportType, outcome: "organized", jobId: d.jobId, eventId: d.eventId },
        payload: { ...base, outcome: "organized", report: d, ...(link ? { downloadUrl: link } : {}) },
      };
    }
    case DetailType.ReportFailed: {
      const d = event.detail;
      return {
        outcome: "failed",
        subject: `Report failed: ${d.reportType} ${d.jobId} (${d.error.code})`,
        text: [
          `Your ${d.reportType} report (job ${d.jobId}) failed after ${d.attempt} attempt(s).`,
          "",
          `Error: ${d.error.code}: ${d.error.message}`,
          `At: ${event.time}`,
        ].join("\n"),
        attributes: {
          reportType: d.reportType,
          outcome: "failed",
          jobId: d.jobId,
          eventId: d.eventId,
          errorCode: d.error.code,
        },
        payload: { ...base, outcome: "failed", failure: d },
      };
    }
    case DetailType.ReportRejected: {
      const d = event.detail;
      return {
        outcome: "rejected",
        subject: `Report job rejected${d.jobId ? `: ${d.jobId}` : ""}`,
        text: [
          `A message on the jobs queue was rejected${d.jobId ? ` (job ${d.jobId})` : ""}: it is not a valid report job.`,
          "",
          `Reason: ${d.reason}`,
          ...d.issues.map((i) => `  - ${i.field}: ${i.message}`),
          `Message id: ${d.messageId}`,
        ].join("\n"),
        attributes: {
          reportType: d.reportType ?? "unknown",
          outcome: "rejected",
          jobId: d.jobId ?? "unknown",
          eventId: d.eventId,
        },
        payload: { ...base, outcome: "rejected", rejection: d },
      };
    }
    default:
      throw new Error(`the notifier does not handle ${event.detailType}`);
  }
}

/** The signing secret for a webhook URL: its host's own, else the default. */
export function webhookSecretFor(
  url: string,
  deps: Pick<NotifierDeps, "webhookSecret" | "webhookSecrets">,
): string | undefined {
  const host = URL.canParse(url) ? webhookHost(new URL(url)) : undefined;
  // Own keys only: a host named "constructor" must not find Object.prototype's.
  const own =
    host !== undefined && deps.webhookSecrets && Object.hasOwn(deps.webhookSecrets, host)
      ? deps.webhookSecrets[host]
      : undefined;
  return own ?? deps.webhookSecret;
}

const originOf = (url: string) => (URL.canParse(url) ? new URL(url).origin.slice(0, 300) : "(not a URL)");

async function deliverWebhook(
  url: string,
  n: Notification,
  eventId: string,
  deps: NotifierDeps,
  log: Logger,
): Promise<Channel> {
  const secret = webhookSecretFor(url, deps);
  if (!secret) {
    return { channel: "webhook", outcome: "skipped", detail: "no webhook signing secret configured" };
  }
  const body = JSON.stringify(n.payload);
  let last = "";
  let lastCause: string | undefined;
  let attempt = 1;
  for (; attempt <= deps.webhookMaxAttempts; attempt++) {
    const timestamp = Math.floor(Date.now() / 1000);
    const result: WebhookResult = await deps.webhooks.post(url, {
      headers: {
        "content-type": "application/json",
        ...webhookSignatureHeaders({ secret, timestamp, eventId, url, body }),
      },
      body,
      timeoutMs: deps.webhookTimeoutMs,
    });
    if (result.kind === "refused") {
      // The receipt's outcome enum has no "refused"; the detail says it, and nothing was sent.
      log.warn("webhook refused", { url: originOf(url), reason: result.reason });
      return { channel: "webhook", outcome: "failed", detail: `refused: ${publicRefusal(result.reason)}` };
    }
    if (result.kind === "answered") {
      if (result.status >= 200 && result.status < 300)
        return {
          channel: "webhook",
          outcome: "delivered",
          detail: `HTTP ${result.status} after ${attempt} attempt(s)`,
        };
      last = `HTTP ${result.status}`;
      // A 3xx (redirects are not followed) or a 4xx other than 408/429 will not get better by retrying.
      if (result.status < 500 && result.status !== 408 && result.status !== 429) break;
    } else {
      last = result.category;
      lastCause = result.cause;
      log.debug("webhook attempt failed", { url: originOf(url), attempt, reason: last, cause: result.cause });
    }
    if (attempt < deps.webhookMaxAttempts)
      await new Promise((r) => setTimeout(r, backoffDelay(attempt, 200, 5_000, { jitter: false })));
  }
  const attempts = Math.min(attempt, deps.webhookMaxAttempts);
  log.warn("webhook delivery failed", { url: originOf(url), reason: last, cause: lastCause });
  return { channel: "webhook", outcome: "failed", detail: `${last} after ${attempts} attempt(s)` };
}

export function createNotifier(deps: NotifierDeps): ConsumerDefinition {
  return {
    id: "notifier",
    accepts: [DetailType.ReportOrganized, DetailType.ReportFailed, DetailType.ReportRejected],
    useLedger: true,
    async handle(event, log) {
      const d = event.detail as { eventId: string; jobId?: string; reportType?: string };
      const decision = shouldNotify(event);
      const channels: Channel[] = [];
      const webhookUrl =
        event.detailType === DetailType.ReportOrganized || event.detailType === DetailType.ReportFailed
          ? event.detail.delivery?.webhookUrl
          : undefined;

      if (!decision.notify) {
        // A non-final failure is not news; no receipt either (the final one will have one).
        if (event.detailType === DetailType.ReportFailed && !event.detail.final) return;
        channels.push({ channel: "sns", outcome: "skipped", detail: decision.reason ?? "skipped" });
        if (webhookUrl)
          channels.push({ channel: "webhook", outcome: "skipped", detail: decision.reason ?? "skipped" });
      } else {
        const link =
          event.detailType === DetailType.ReportOrganized
            ? await deps.links.link(event.detail.bucket, event.detail.finalKey, deps.linkExpiresSeconds)
            : undefined;
        const n = composeNotification(event, link, deps.linkExpiresSeconds);
        // SNS first and allowed to throw: a retry then repeats nothing that was already delivered.
        const messageId = await deps.topic.publish(n);
        channels.push({ channel: "sns", outcome: "delivered", detail: `messageId ${messageId}` });
        if (webhookUrl) channels.push(await deliverWebhook(webhookUrl, n, d.eventId, deps, log));
      }

      await deps.events.publish({
        detailType: DetailType.ReportNotified,
        detail: {
          schemaVersion: SCHEMA_VERSION,
          eventId: eventIdFor(d.jobId ?? `event-${d.eventId}`, `${DetailType.ReportNotified}:${d.eventId}`),
          ...(d.jobId ? { jobId: d.jobId } : {}),
          ...(d.reportType ? { reportType: d.reportType as ReportNotified["reportType"] & string } : {}),
          forEventId: d.eventId,
          forDetailType: event.detailType as ReportNotified["forDetailType"],
          channels,
          notifiedAt: new Date().toISOString(),
        } as ReportNotified,
      });
      log.info("notification handled", { channels: channels.map((c) => `${c.channel}:${c.outcome}`) });
    },
  };
}
