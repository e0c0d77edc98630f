/**
 * Webhook signatures: what the notifier puts on each POST to a job's `delivery.webhookUrl`, and the check a
 * receiver runs before trusting one. Pure node:crypto, so a receiver can copy this file as it is.
 *
 * Headers of every webhook POST:
 * - `x-report-timestamp`: unix seconds at signing;
 * - `x-report-event-id`: the event's id (a UUID); receivers dedupe on it (a retried POST repeats it);
 * - `x-report-signature`: `v1=<hex HMAC-SHA256(secret, canonical string)>`.
 *
 * The canonical string (version 1) is the five parts joined by a line feed, the body last and verbatim:
 *
 *     v1 \n <timestamp> \n <event id> \n <URL> \n <body>
 *
 * where `<URL>` is the webhook URL in its WHATWG-normalised form (`new URL(url).href`: lower-case scheme
 * and host, default port dropped, `/` for an empty path), so `https://Hooks.Example.com` and
 * `https://hooks.example.com/` sign alike. None of the first four parts can contain a line feed (the
 * normalised URL never does), so the string splits one way only. Signing the URL and the event id stops a
 * signed POST from being replayed to another endpoint or passed off as another event; the timestamp
 * bounds replays to the tolerance window (default {@link DEFAULT_TOLERANCE_SECONDS}, either side of now).
 *
 * @example A receiver (node:http; keep the raw body, parse it only after the check):
 * ```ts
 * import { verifyWebhookSignature } from "./webhook-signature.js";
 *
 * createServer(async (req, res) => {
 *   const chunks: Buffer[] = [];
 *   for await (const c of req) chunks.push(c as Buffer);
 *   const body = Buffer.concat(chunks);
 *   const check = verifyWebhookSignature({
 *     secret: process.env.REPORT_WEBHOOK_SECRET ?? "",
 *     url: "https://hooks.example.com/reports", // the URL you gave as delivery.webhookUrl
 *     headers: req.headers,
 *     body,
 *   });
 *   if (!check.ok) return res.writeHead(401).end(check.reason);
 *   if (await seenBefore(check.eventId)) return res.writeHead(200).end(); // a retry: already handled
 *   handle(JSON.parse(body.toString("utf8")));
 *   res.writeHead(204).end();
 * });
 * ```
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** The header names (lower case, as node:http presents them). */
export const WEBHOOK_HEADERS = {
  timestamp: "x-report-timestamp",
  eventId: "x-report-event-id",
  signature: "x-report-signature",
} as const;

/** The version tag that starts both the canonical string and the signature header value. */
export const WEBHOOK_SIGNATURE_VERSION = "v1";

/** How far (seconds) a timestamp may be from the receiver's clock, either way. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export interface WebhookSignatureInput {
  secret: string;
  /** Unix seconds. */
  timestamp: number;
  eventId: string;
  /** The webhook URL; normalised before signing (see the file comment). */
  url: string;
  /** The exact bytes sent (a string is taken as UTF-8). */
  body: string | Uint8Array;
}

const TIMESTAMP = /^\d{1,12}$/;
const SIGNATURE = /^v1=([0-9a-f]{64})$/;
const EVENT_ID = /^[A-Za-z0-9_-]{1,128}$/;

function canonicalUrl(url: string): string {
  return new URL(url).href;
}

function mac(input: WebhookSignatureInput): Buffer {
  if (!Number.isSafeInteger(input.timestamp) || input.timestamp < 0)
    throw new RangeError("timestamp must be a non-negative integer (unix seconds)");
  if (!EVENT_ID.test(input.eventId)) throw new RangeError("eventId must be 1-128 of [A-Za-z0-9_-]");
  return createHmac("sha256", input.secret)
    .update(
      `${WEBHOOK_SIGNATURE_VERSION}\n${input.timestamp}\n${input.eventId}\n${canonicalUrl(input.url)}\n`,
      "utf8",
    )
    .update(typeof input.body === "string" ? Buffer.from(input.body, "utf8") : input.body)
    .digest();
}

/**
 * The `x-report-signature` value for one POST: `v1=<64 hex digits>`.
 *
 * @example
 * ```ts
 * const signature = signWebhook({ secret, timestamp: 1754236000, eventId, url, body });
 * // "v1=3f0c…"
 * ```
 */
export function signWebhook(input: WebhookSignatureInput): string {
  return `${WEBHOOK_SIGNATURE_VERSION}=${mac(input).toString("hex")}`;
}

/** All three headers of a signed POST (timestamp, event id, signature). */
export function webhookSignatureHeaders(input: WebhookSignatureInput): Record<string, string> {
  return {
    [WEBHOOK_HEADERS.timestamp]: String(input.timestamp),
    [WEBHOOK_HEADERS.eventId]: input.eventId,
    [WEBHOOK_HEADERS.signature]: signWebhook(input),
  };
}

/** Request headers as node:http (`req.headers`), a plain object or the Fetch API presents them. */
export type WebhookRequestHeaders =
  | { get(name: string): string | null }
  | Record<string, string | string[] | undefined>;

export type WebhookVerification =
  | { ok: true; eventId: string; timestamp: number }
  | {
      ok: false;
      /** `malformed`: a header missing or not in its form; `expired`: timestamp outside the window;
       * `mismatch`: the signature does not match (wrong secret, or body / URL / id / time altered). */
      reason: "malformed" | "expired" | "mismatch";
    };

export interface VerifyWebhookInput {
  secret: string;
  /** The URL the POST was sent to: the `delivery.webhookUrl` you registered. */
  url: string;
  /** The request headers; or give `timestamp`, `eventId` and `signature` directly. */
  headers?: WebhookRequestHeaders;
  timestamp?: string | undefined;
  eventId?: string | undefined;
  signature?: string | undefined;
  /** The raw request body, exactly as received. */
  body: string | Uint8Array;
  /** The receiver's clock; now by default. */
  now?: Date;
  toleranceSeconds?: number;
}

function header(headers: WebhookRequestHeaders | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof headers.get === "function")
    return (headers as { get(n: string): string | null }).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const value = record[name] ?? Object.entries(record).find(([k]) => k.toLowerCase() === name)?.[1];
  // A repeated header is not ours to choose between.
  return Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
}

/**
 * Checks a received webhook: well-formed headers, a timestamp within `toleranceSeconds` (default 300) of
 * `now`, and a signature (compared in constant time) over the canonical string of this URL, event id,
 * timestamp and body. Never throws on what a sender controls; the result says why it refused.
 */
export function verifyWebhookSignature(input: VerifyWebhookInput): WebhookVerification {
  const timestamp = input.timestamp ?? header(input.headers, WEBHOOK_HEADERS.timestamp);
  const eventId = input.eventId ?? header(input.headers, WEBHOOK_HEADERS.eventId);
  const signature = input.signature ?? header(input.headers, WEBHOOK_HEADERS.signature);
  const given = SIGNATURE.exec(signature?.trim() ?? "")?.[1];
  if (!timestamp || !TIMESTAMP.test(timestamp) || !eventId || !EVENT_ID.test(eventId) || !given)
    return { ok: false, reason: "malformed" };
  if (!URL.canParse(input.url)) return { ok: false, reason: "malformed" };

  const seconds = Number(timestamp);
  const now = Math.floor((input.now ?? new Date()).getTime() / 1000);
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (!(Math.abs(now - seconds) <= tolerance)) return { ok: false, reason: "expired" };

  const expected = mac({
    secret: input.secret,
    timestamp: seconds,
    eventId,
    url: input.url,
    body: input.body,
  });
  const received = Buffer.from(given, "hex");
  if (received.length !== expected.length || !timingSafeEqual(received, expected))
    return { ok: false, reason: "mismatch" };
  return { ok: true, eventId, timestamp: seconds };
}
