import { describe, expect, it } from "vitest";
import type { PublishableEvent } from "#events/event-publisher.js";
import { DetailType, EVENT_SOURCE } from "#events/names.js";
import {
  parseReportEvent,
  REPORT_FAILED_EXAMPLE,
  REPORT_ORGANIZED_EXAMPLE,
  REPORT_REJECTED_EXAMPLE,
} from "#events/report-events.schema.js";
import { verifyWebhookSignature } from "#events/webhook-signature.js";
import type { ReportEventEnvelope } from "#services/consumers/event-consumer.js";
import { createLogger } from "#services/shared/logger.js";
import { composeNotification, createNotifier, type NotifierDeps, shouldNotify } from "../../notifier.js";
import type { WebhookResult } from "../../notifier-ports.js";

const envelope = (detailType: DetailType, detail: object) =>
  ({
    id: "evt-1",
    time: "2025-08-03T15:46:12Z",
    source: EVENT_SOURCE,
    detailType,
    detail,
  }) as ReportEventEnvelope;
const organized = (extra: object = {}) =>
  envelope(DetailType.ReportOrganized, { ...REPORT_ORGANIZED_EXAMPLE, ...extra });
const failed = (extra: object = {}) =>
  envelope(DetailType.ReportFailed, { ...REPORT_FAILED_EXAMPLE, ...extra });
const rejected = () => envelope(DetailType.ReportRejected, REPORT_REJECTED_EXAMPLE);

interface Post {
  url: string;
  headers: Record<string, string>;
  body: string;
}

function harness(
  overrides: Partial<NotifierDeps> = {},
  answer: (post: Post) => WebhookResult = () => ({
    kind: "answered",
    status: 204,
  }),
) {
  const published: Array<{ subject: string; text: string; attributes: Record<string, string> }> = [];
  const links: string[] = [];
  const receipts: PublishableEvent[] = [];
  const posts: Post[] = [];
  const deps: NotifierDeps = {
    topic: {
      publish: async (m) => {
        published.push(m);
        return `msg-${published.length}`;
      },
    },
    links: {
      link: async (bucket, key, expires) => {
        links.push(`${bucket}/${key}`);
        return `https://example.invalid/${key}?expires=${expires}`;
      },
    },
    events: {
      publish: async (e) => {
        parseReportEvent(e.detailType, e.detail);
        receipts.push(e);
        return { index: 0, detailType: e.detailType, eventId: "e", awsEventId: "a", attempts: 1 };
      },
    },
    linkExpiresSeconds: 3600,
    webhookTimeoutMs: 1000,
    webhookMaxAttempts: 1,
    webhooks: {
      post: async (url, { headers, body }) => {
        const post = { url, headers, body };
        posts.push(post);
        return answer(post);
      },
    },
    ...overrides,
  };
  return { deps, published, links, receipts, posts, notifier: createNotifier(deps) };
}
const log = createLogger({ service: "test", write: () => {} });
const webhookOf = (receipts: PublishableEvent[]) =>
  (
    (receipts[0]?.detail ?? { channels: [] }) as {
      channels: Array<{ channel: string; outcome: string; detail?: string }>;
    }
  ).channels.find((c) => c.channel === "webhook");
const channelsOf = (receipts: PublishableEvent[]) =>
  (
    (receipts[0]?.detail ?? { channels: [] }) as { channels: Array<{ channel: string; outcome: string }> }
  ).channels.map((c) => `${c.channel}:${c.outcome}`);

describe("shouldNotify", () => {
  it.each([
    ["an organized report", organized(), true],
    ["a final failure", failed(), true],
    ["a rejection", rejected(), true],
    ["a failure that will be retried", failed({ final: false }), false],
    ["notifyOn never", organized({ delivery: { notifyOn: "never" } }), false],
    ["notifyOn failure, report succeeded", organized({ delivery: { notifyOn: "failure" } }), false],
    ["notifyOn failure, report failed", failed({ delivery: { notifyOn: "failure" } }), true],
    ["skipEmpty and no rows", organized({ rowCount: 0, delivery: { skipEmpty: true } }), false],
    ["skipEmpty with rows", organized({ delivery: { skipEmpty: true } }), true],
  ])("%s → %s", (_what, event, notify) => {
    expect(shouldNotify(event).notify).toBe(notify);
  });
});

describe("composeNotification", () => {
  it("says what is ready, where, with the link and filterable attributes", () => {
    const n = composeNotification(organized(), "https://example.invalid/dl", 7200);

    expect(n.subject).toBe(`Report ready: sales ${REPORT_ORGANIZED_EXAMPLE.jobId}`);
    expect(n.text).toContain(`s3://${REPORT_ORGANIZED_EXAMPLE.bucket}/${REPORT_ORGANIZED_EXAMPLE.finalKey}`);
    expect(n.text).toContain("Download (valid 2 h): https://example.invalid/dl");
    expect(n.attributes).toEqual({
      reportType: "sales",
      outcome: "organized",
      jobId: REPORT_ORGANIZED_EXAMPLE.jobId,
      eventId: REPORT_ORGANIZED_EXAMPLE.eventId,
    });
  });

  it("names the error code of a failure in the subject and the attributes", () => {
    const n = composeNotification(failed());

    expect(n.subject).toContain("(WAREHOUSE_UNAVAILABLE)");
    expect(n.attributes.errorCode).toBe("WAREHOUSE_UNAVAILABLE");
    expect(n.outcome).toBe("failed");
  });
});

describe("notifier", () => {
  it("publishes an organized report with a download link and emits a receipt", async () => {
    const h = harness();

    await h.notifier.handle(organized(), log);

    expect(h.links).toEqual([`${REPORT_ORGANIZED_EXAMPLE.bucket}/${REPORT_ORGANIZED_EXAMPLE.finalKey}`]);
    expect(h.published).toHaveLength(1);
    expect(h.published[0]?.text).toContain("expires=3600");
    expect(channelsOf(h.receipts)).toEqual(["sns:delivered"]);
  });

  it("records a skipped delivery (SNS and webhook) when the job asked not to be told", async () => {
    const h = harness();

    await h.notifier.handle(
      organized({ delivery: { notifyOn: "never", webhookUrl: "https://hooks.example.com/x" } }),
      log,
    );

    expect(h.published).toEqual([]);
    expect(channelsOf(h.receipts)).toEqual(["sns:skipped", "webhook:skipped"]);
  });

  it("says nothing, not even a receipt, about a failure that will be retried", async () => {
    const h = harness();

    await h.notifier.handle(failed({ final: false }), log);

    expect([h.published, h.receipts]).toEqual([[], []]);
  });

  it("skips the webhook (and says why) when no signing secret is configured", async () => {
    const h = harness();

    await h.notifier.handle(failed({ delivery: { webhookUrl: "https://hooks.example.com/x" } }), log);

    expect(channelsOf(h.receipts)).toEqual(["sns:delivered", "webhook:skipped"]);
  });

  it("signs timestamp, event id, URL and body with the default secret", async () => {
    // Prepare
    const url = "https://hooks.example.com/reports";
    const h = harness({ webhookSecret: "default-secret-0123456789" });

    // Act
    await h.notifier.handle(organized({ delivery: { webhookUrl: url } }), log);

    // Assess
    const [post] = h.posts;
    expect(post?.headers["x-report-event-id"]).toBe(REPORT_ORGANIZED_EXAMPLE.eventId);
    const check = (secret: string, at: string) =>
      verifyWebhookSignature({ secret, url: at, headers: post?.headers ?? {}, body: post?.body ?? "" }).ok;
    expect(check("default-secret-0123456789", url)).toBe(true);
    expect(check("default-secret-0123456789", "https://elsewhere.example.com/reports")).toBe(false);
    expect(webhookOf(h.receipts)).toMatchObject({
      outcome: "delivered",
      detail: "HTTP 204 after 1 attempt(s)",
    });
  });

  it("signs with the host's own secret when WEBHOOK_SIGNING_SECRETS names the host", async () => {
    // Prepare
    const h = harness({
      webhookSecret: "default-secret-0123456789",
      webhookSecrets: { "hooks.example.com": "hooks-own-secret-0123456789" },
    });

    // Act
    await h.notifier.handle(organized({ delivery: { webhookUrl: "https://HOOKS.example.com/a" } }), log);
    await h.notifier.handle(failed({ delivery: { webhookUrl: "https://other.example.com/b" } }), log);

    // Assess
    const verify = (i: number, secret: string) =>
      verifyWebhookSignature({
        secret,
        url: h.posts[i]?.url ?? "",
        headers: h.posts[i]?.headers ?? {},
        body: h.posts[i]?.body ?? "",
      }).ok;
    expect([verify(0, "hooks-own-secret-0123456789"), verify(0, "default-secret-0123456789")]).toEqual([
      true,
      false,
    ]);
    expect(verify(1, "default-secret-0123456789")).toBe(true);
  });

  it("does not take an inherited property for a host's secret", async () => {
    const h = harness({ webhookSecret: "default-secret-0123456789", webhookSecrets: {} });

    await h.notifier.handle(failed({ delivery: { webhookUrl: "https://constructor/x" } }), log);

    const [post] = h.posts;
    expect(
      verifyWebhookSignature({
        secret: "default-secret-0123456789",
        url: post?.url ?? "",
        headers: post?.headers ?? {},
        body: post?.body ?? "",
      }).ok,
    ).toBe(true);
  });

  it("records a refused destination as a failed channel saying 'refused:', without retrying", async () => {
    // Prepare
    const h = harness({ webhookSecret: "default-secret-0123456789", webhookMaxAttempts: 3 }, () => ({
      kind: "refused",
      reason: "address in range linkLocal",
    }));

    // Act
    await h.notifier.handle(failed({ delivery: { webhookUrl: "https://169.254.169.254/" } }), log);

    // Assess
    expect(h.posts).toHaveLength(1);
    expect(channelsOf(h.receipts)).toEqual(["sns:delivered", "webhook:failed"]);
    // the precise reason is logged; the receipt (visible to the submitter) does not map the network
    expect(webhookOf(h.receipts)?.detail).toBe("refused: host does not resolve to public addresses only");
  });

  it.each([
    [
      { kind: "failed", category: "connection failed", cause: "ECONNREFUSED" },
      "connection failed after 2 attempt(s)",
    ],
    [{ kind: "failed", category: "timed out" }, "timed out after 2 attempt(s)"],
    [{ kind: "answered", status: 503 }, "HTTP 503 after 2 attempt(s)"],
    [{ kind: "answered", status: 302 }, "HTTP 302 after 1 attempt(s)"],
  ] as Array<[WebhookResult, string]>)("reports %o as the fixed detail %s", async (result, detail) => {
    const h = harness({ webhookSecret: "default-secret-0123456789", webhookMaxAttempts: 2 }, () => result);

    await h.notifier.handle(failed({ delivery: { webhookUrl: "https://hooks.example.com/x" } }), log);

    expect(webhookOf(h.receipts)).toEqual({ channel: "webhook", outcome: "failed", detail });
  });
});
