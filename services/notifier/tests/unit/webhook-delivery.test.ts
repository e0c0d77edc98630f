/**
 * Webhooks cannot reach inside the network (issue 15): the job schema's text checks, the delivery
 * policy over every resolved address, and the sender's connection to exactly the checked address.
 */
import { EventEmitter } from "node:events";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DetailType, EVENT_SOURCE } from "#events/names.js";
import { parseReportEvent, REPORT_ORGANIZED_EXAMPLE } from "#events/report-events.schema.js";
import { parseReportJob, REPORT_JOB_EXAMPLE } from "#events/report-job.schema.js";
import { verifyWebhookSignature } from "#events/webhook-signature.js";
import type { ReportEventEnvelope } from "#services/consumers/event-consumer.js";
import { createLogger } from "#services/shared/logger.js";
import { HttpsWebhookSender, type RequestFunction, type Resolver } from "../../https-webhook-sender.js";
import { createNotifier } from "../../notifier.js";
import type { WebhookResult } from "../../notifier-ports.js";
import { addressRange, publicRefusal, type WebhookPolicy } from "../../webhook-policy.js";

const PUBLIC_V4 = "93.184.216.34";
const PUBLIC_V6 = "2606:2800:220:1:248:1893:25c8:1946";
const LONG_URL = `https://hooks.example.com/${"a".repeat(100_000)}`;
/** How a URL is named in a test title (a 100 KB one is not spelled out). */
const named = (url: string) => ({
  name: url.length > 120 ? `a ${Math.round(url.length / 1000)} KB URL` : url,
  url,
});

/** The injected DNS: names the tests use, and what they resolve to. */
const DNS: Record<string, string[]> = {
  "hooks.example.com": [PUBLIC_V4, PUBLIC_V6],
  localhost: ["127.0.0.1", "::1"],
  "internal-api.corp.local": ["10.20.30.40"],
  "metadata.example.com": ["169.254.169.254"],
  "ecs-credentials.example.com": ["169.254.170.2"],
  "mapped.example.com": ["::ffff:169.254.169.254"],
  "loopback.example.com": ["127.0.0.1"],
  "loopback6.example.com": ["::1"],
  "public-and-private.example.com": [PUBLIC_V4, "10.0.0.5"],
  "private-and-public.example.com": ["192.168.1.10", PUBLIC_V4],
  "cgnat.example.com": ["100.64.1.1"],
  "nat64-metadata.example.com": ["64:ff9b::a9fe:a9fe"],
  "bogus-answer.example.com": ["not-an-address"],
};
const resolver: Resolver = async (host) => {
  const found = DNS[host];
  if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
  return found.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
};

/** A request function that connects nowhere: it records what would be sent and answers 204. */
function spyTransport() {
  const calls: Array<Record<string, unknown>> = [];
  const fake: RequestFunction = (options, onResponse) => {
    calls.push(options as Record<string, unknown>);
    const req = new EventEmitter() as EventEmitter & { end(body?: string): void };
    req.end = () => {
      setImmediate(() => onResponse({ statusCode: 204, destroy: () => {} } as unknown as IncomingMessage));
    };
    return req as unknown as ReturnType<RequestFunction>;
  };
  return { calls, request: { https: fake, http: fake } };
}

const STRICT: WebhookPolicy = { allowLoopback: false };
const post = (sender: HttpsWebhookSender, url: string) =>
  sender.post(url, { headers: { "content-type": "application/json" }, body: "{}", timeoutMs: 2_000 });

/** Every URL issue 15 lists, plus spellings and names that lead to the same places. */
const REFUSED: Array<[url: string, reason: RegExp]> = [
  ["https://169.254.169.254/latest/meta-data/", /linkLocal/],
  ["https://169.254.170.2/v2/credentials/abc", /linkLocal/],
  ["https://10.0.0.5/", /private/],
  ["https://172.16.0.1/", /private/],
  ["https://192.168.1.1/", /private/],
  ["https://internal-api.corp.local/", /private/],
  ["https://[::ffff:a9fe:a9fe]/", /linkLocal/],
  ["https://[::ffff:127.0.0.1]/", /loopback/],
  ["http://127.1", /http not allowed/],
  ["http://0x7f000001", /http not allowed/],
  ["http://2130706433", /http not allowed/],
  ["http://[::1]", /http not allowed/],
  ["http://127.0.0.1:8080/hook", /http not allowed/],
  ["https://127.1/", /loopback/],
  ["https://0x7f000001/", /loopback/],
  ["https://2130706433/", /loopback/],
  ["https://0177.0.0.1/", /loopback/],
  ["https://[::1]/", /loopback/],
  ["https://localhost/", /loopback/],
  ["https://0.0.0.0/", /unspecified/],
  ["https://[::]/", /unspecified/],
  ["https://100.64.0.1/", /carrierGradeNat/],
  ["https://224.0.0.251/", /multicast/],
  ["https://[ff02::1]/", /multicast/],
  ["https://[fd00::1]/", /uniqueLocal/],
  ["https://[fe80::1]/", /linkLocal/],
  ["https://255.255.255.255/", /broadcast/],
  ["https://192.0.2.10/", /reserved/],
  ["https://[2001:db8::1]/", /reserved/],
  ["https://[64:ff9b::a9fe:a9fe]/", /rfc6052/],
  ["gopher://127.0.0.1:6379/_INFO", /scheme gopher: not allowed/],
  ["file:///etc/passwd", /scheme file: not allowed/],
  ["https://user:pass@hooks.example.com/", /user info/],
  ["https://user@hooks.example.com/", /user info/],
  [LONG_URL, /longer than 2048/],
  // names resolving (through the injected resolver) to the places above
  ["https://metadata.example.com/", /linkLocal/],
  ["https://ecs-credentials.example.com/v2/credentials", /linkLocal/],
  ["https://mapped.example.com/", /linkLocal/],
  ["https://loopback.example.com/", /loopback/],
  ["https://loopback6.example.com/", /loopback/],
  ["https://public-and-private.example.com/", /private/],
  ["https://private-and-public.example.com/", /private/],
  ["https://cgnat.example.com/", /carrierGradeNat/],
  ["https://nat64-metadata.example.com/", /rfc6052/],
  ["https://bogus-answer.example.com/", /invalid/],
];

describe("delivery.webhookUrl in the job schema (text level)", () => {
  const withUrl = (webhookUrl: string) => ({ ...REPORT_JOB_EXAMPLE, delivery: { webhookUrl } });
  const problem = (webhookUrl: string) => {
    try {
      parseReportJob(withUrl(webhookUrl));
      return undefined;
    } catch (error) {
      return error as Error & { fields: string[] };
    }
  };

  it.each(
    [
      "http://127.1",
      "http://0x7f000001",
      "http://2130706433",
      "http://127.0.0.1.nip.io/",
      "http://example.com/hook",
      "gopher://127.0.0.1:6379",
      "https://user:pass@hooks.example.com/",
      "https://user@hooks.example.com/",
      LONG_URL,
    ].map(named),
  )("refuses $name, naming delivery.webhookUrl", ({ url }) => {
    const error = problem(url);

    expect(error?.fields).toEqual(["delivery.webhookUrl"]);
    expect(error?.message).toContain("delivery.webhookUrl");
  });

  it.each(
    [
      "https://hooks.example.com/reports?x=1",
      "https://169.254.169.254/", // text is fine; the delivery policy refuses the address
      "http://127.0.0.1:9/hook",
      "http://localhost:8080/hook",
      "http://[::1]:8080/hook",
      `https://hooks.example.com/${"a".repeat(2048 - "https://hooks.example.com/".length)}`,
    ].map(named),
  )("accepts $name", ({ url }) => {
    expect(problem(url)).toBeUndefined();
  });
});

describe("addressRange", () => {
  it.each([
    [PUBLIC_V4, "unicast"],
    [PUBLIC_V6, "unicast"],
    ["::ffff:93.184.216.34", "unicast"],
    ["::ffff:10.0.0.1", "private"],
    ["169.254.169.254", "linkLocal"],
  ])("%s is %s", (address, range) => {
    expect(addressRange(address)).toBe(range);
  });
});

describe("HttpsWebhookSender policy", () => {
  it.each(REFUSED.map(([url, reason]) => ({ ...named(url), reason })))(
    "refuses $name ($reason) without connecting",
    async ({ url, reason }) => {
      // Prepare
      const transport = spyTransport();
      const sender = new HttpsWebhookSender({
        policy: STRICT,
        resolve: resolver,
        request: transport.request,
      });

      // Act
      const result = await post(sender, url);

      // Assess
      expect(result).toEqual({ kind: "refused", reason: expect.stringMatching(reason) });
      expect(transport.calls).toEqual([]);
    },
  );

  it("connects to exactly the checked address, keeping the name for Host and TLS", async () => {
    // Prepare
    const transport = spyTransport();
    let answers = 0;
    // A rebinding DNS: public on the first answer, the metadata address on every later one.
    const rebinding: Resolver = async () => {
      answers += 1;
      return [{ address: answers === 1 ? PUBLIC_V4 : "169.254.169.254", family: 4 }];
    };
    const sender = new HttpsWebhookSender({ policy: STRICT, resolve: rebinding, request: transport.request });

    // Act
    const result = await post(sender, "https://hooks.example.com:8443/in?x=1");

    // Assess
    expect(result).toEqual({ kind: "answered", status: 204 });
    const [options] = transport.calls;
    expect(options).toMatchObject({
      method: "POST",
      host: "hooks.example.com",
      port: 8443,
      path: "/in?x=1",
      servername: "hooks.example.com",
      agent: false,
      headers: expect.objectContaining({ host: "hooks.example.com:8443" }),
    });
    const lookup = options?.lookup as (h: string, o: object, cb: (...a: unknown[]) => void) => void;
    const asked: unknown[][] = [];
    lookup("hooks.example.com", { all: true }, (...a) => asked.push(a));
    lookup("hooks.example.com", {}, (...a) => asked.push(a));
    expect(asked).toEqual([
      [null, [{ address: PUBLIC_V4, family: 4 }]],
      [null, PUBLIC_V4, 4],
    ]);
    expect(answers).toBe(1);
  });

  it("sends to a public IP literal without SNI (the certificate is checked against the address)", async () => {
    const transport = spyTransport();
    const sender = new HttpsWebhookSender({ policy: STRICT, resolve: resolver, request: transport.request });

    expect(await post(sender, `https://${PUBLIC_V4}/hook`)).toEqual({ kind: "answered", status: 204 });
    expect(transport.calls[0]).not.toHaveProperty("servername");
  });

  it("with WEBHOOK_ALLOWED_HOSTS, refuses any other host and still checks the listed ones' addresses", async () => {
    // Prepare
    const transport = spyTransport();
    const policy = { allowLoopback: false, allowedHosts: ["hooks.example.com", "metadata.example.com"] };
    const sender = new HttpsWebhookSender({ policy, resolve: resolver, request: transport.request });

    // Act
    const results = [
      await post(sender, "https://Hooks.Example.com./x"),
      await post(sender, "https://other.example.com/x"),
      await post(sender, "https://metadata.example.com/x"),
    ];

    // Assess
    expect(results).toEqual([
      { kind: "answered", status: 204 },
      { kind: "refused", reason: "host not in WEBHOOK_ALLOWED_HOSTS" },
      { kind: "refused", reason: "address in range linkLocal" },
    ]);
    expect(transport.calls).toHaveLength(1);
  });

  it("in local development allows loopback (and http to it) but nothing private, and no http elsewhere", async () => {
    // Prepare
    const transport = spyTransport();
    const policy = { allowLoopback: true };
    const sender = new HttpsWebhookSender({ policy, resolve: resolver, request: transport.request });

    // Act
    const results = await Promise.all(
      [
        "http://127.0.0.1:9/hook",
        "http://loopback.example.com:9/hook",
        "https://[::1]:9/hook",
        "https://10.0.0.5/",
        "https://169.254.169.254/",
        "http://hooks.example.com/",
      ].map((url) => post(sender, url)),
    );

    // Assess
    expect(results.map((r) => (r.kind === "refused" ? r.reason : r.kind))).toEqual([
      "answered",
      "answered",
      "answered",
      "address in range private",
      "address in range linkLocal",
      "http only to loopback",
    ]);
  });

  it("refuses a name that does not resolve like one that resolves privately (no DNS oracle), without the resolver's message", async () => {
    const sender = new HttpsWebhookSender({
      policy: STRICT,
      resolve: resolver,
      request: spyTransport().request,
    });

    const result = await post(sender, "https://nowhere.example.com/");

    expect(result).toEqual({ kind: "refused", reason: "host has no address (ENOTFOUND)" });
    expect(publicRefusal((result as { reason: string }).reason)).toBe(
      publicRefusal("address in range private"),
    );
  });
});

describe("HttpsWebhookSender against a real loopback listener", () => {
  let server: Server;
  let port = 0;
  const received: Array<{ headers: IncomingMessage["headers"]; body: string; url: string | undefined }> = [];
  let answer: (res: import("node:http").ServerResponse) => void = (res) => res.writeHead(204).end();

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), url: req.url });
        answer(res);
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    received.length = 0;
    answer = (res) => res.writeHead(204).end();
  });

  const organized = (webhookUrl: string) =>
    ({
      id: "evt-1",
      time: "2025-08-03T15:46:12Z",
      source: EVENT_SOURCE,
      detailType: DetailType.ReportOrganized,
      detail: { ...REPORT_ORGANIZED_EXAMPLE, delivery: { webhookUrl } },
    }) as ReportEventEnvelope;

  function notifierWith(policy: WebhookPolicy, resolve: Resolver = resolver) {
    const receipts: Array<{ channels: Array<{ channel: string; outcome: string; detail?: string }> }> = [];
    const notifier = createNotifier({
      topic: { publish: async () => "msg-1" },
      links: { link: async () => "https://example.invalid/dl" },
      events: {
        publish: async (e) => {
          parseReportEvent(e.detailType, e.detail);
          receipts.push(e.detail as (typeof receipts)[number]);
          return { index: 0, detailType: e.detailType, eventId: "e", awsEventId: "a", attempts: 1 };
        },
      },
      linkExpiresSeconds: 3600,
      webhookSecret: "listener-secret-0123456789",
      webhookTimeoutMs: 1_000,
      webhookMaxAttempts: 1,
      webhooks: new HttpsWebhookSender({ policy, resolve }),
    });
    const webhook = () => receipts[0]?.channels.find((c) => c.channel === "webhook");
    return { notifier, webhook };
  }
  const log = createLogger({ service: "test", write: () => {} });
  const listenerResolver: Resolver = async (host) => {
    if (host === "hook.invalid") return [{ address: "127.0.0.1", family: 4 }];
    return resolver(host);
  };

  it.each([
    "http://127.0.0.1:PORT/hook",
    "http://localhost:PORT/hook",
    "https://127.0.0.1:PORT/hook",
    "https://[::ffff:127.0.0.1]:PORT/hook",
    "https://hook.invalid:PORT/hook (resolving to 127.0.0.1)",
  ])("a refused URL behind which the listener waits receives nothing: %s", async (template) => {
    // Prepare
    const { notifier, webhook } = notifierWith(STRICT, listenerResolver);

    // Act
    await notifier.handle(organized(template.split(" ")[0]?.replace("PORT", String(port)) ?? ""), log);

    // Assess
    expect(webhook()).toMatchObject({ outcome: "failed", detail: expect.stringMatching(/^refused: /) });
    expect(received).toEqual([]);
  });

  it("in local development the same listener gets one signed POST, through the checked address", async () => {
    // Prepare: node itself cannot resolve hook.invalid; only the checked answer leads to the listener
    const { notifier, webhook } = notifierWith({ allowLoopback: true }, listenerResolver);
    const url = `http://hook.invalid:${port}/hook?x=1`;

    // Act
    await notifier.handle(organized(url), log);

    // Assess
    expect(webhook()).toMatchObject({ outcome: "delivered", detail: "HTTP 204 after 1 attempt(s)" });
    expect(received).toHaveLength(1);
    expect(received[0]?.headers.host).toBe(`hook.invalid:${port}`);
    expect(received[0]?.url).toBe("/hook?x=1");
    const check = verifyWebhookSignature({
      secret: "listener-secret-0123456789",
      url,
      headers: received[0]?.headers ?? {},
      body: received[0]?.body ?? "",
    });
    expect(check.ok).toBe(true);
  });

  it("does not follow a redirect", async () => {
    // Prepare
    answer = (res) => res.writeHead(302, { location: `http://127.0.0.1:${port}/elsewhere` }).end();
    const { notifier, webhook } = notifierWith({ allowLoopback: true });

    // Act
    await notifier.handle(organized(`http://127.0.0.1:${port}/hook`), log);

    // Assess
    expect(webhook()).toMatchObject({ outcome: "failed", detail: "HTTP 302 after 1 attempt(s)" });
    expect(received.map((r) => r.url)).toEqual(["/hook"]);
  });

  it("reports a listener that never answers as 'timed out'", async () => {
    answer = () => {};
    const sender = new HttpsWebhookSender({ policy: { allowLoopback: true } });

    const result: WebhookResult = await sender.post(`http://127.0.0.1:${port}/slow`, {
      headers: {},
      body: "{}",
      timeoutMs: 200,
    });

    expect(result).toEqual({ kind: "failed", category: "timed out" });
  });

  it("reports a closed port as 'connection failed', with no address or error text in the receipt", async () => {
    // Prepare: a port that was just free
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const closed = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const { notifier, webhook } = notifierWith({ allowLoopback: true });

    // Act
    await notifier.handle(organized(`http://127.0.0.1:${closed}/hook`), log);

    // Assess
    expect(webhook()).toEqual({
      channel: "webhook",
      outcome: "failed",
      detail: "connection failed after 1 attempt(s)",
    });
  });
});
