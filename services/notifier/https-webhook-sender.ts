/**
 * The webhook sender over node:https (node:http for loopback in local development), applying
 * webhook-policy.ts: resolve the host once, check every address, then connect to the checked address
 * through the request's `lookup` option. The request still names the host (Host header, TLS SNI and
 * certificate check), so TLS verifies the name while the socket goes where the check said. No redirects
 * are followed (node's request never does), and one deadline covers resolution and the exchange.
 */
import { lookup as dnsLookup } from "node:dns/promises";
import type { ClientRequest, IncomingMessage } from "node:http";
import { request as httpRequest } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import type { LookupFunction } from "node:net";
import type { WebhookResult, WebhookSender } from "./notifier-ports.js";
import {
  checkAddresses,
  checkWebhookUrl,
  type ResolvedAddress,
  type WebhookPolicy,
} from "./webhook-policy.js";

/** Resolves a host name to all its addresses. */
export type Resolver = (host: string) => Promise<ResolvedAddress[]>;

/** The system resolver (node:dns `lookup`, all addresses, in the order the system gives them). */
export const systemResolver: Resolver = async (host) =>
  (await dnsLookup(host, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

export type RequestFunction = (
  options: RequestOptions,
  onResponse: (res: IncomingMessage) => void,
) => ClientRequest;

export interface HttpsWebhookSenderOptions {
  policy: WebhookPolicy;
  /** The system resolver by default; injected in tests. */
  resolve?: Resolver;
  /** node:https / node:http `request` by default; injected in tests to see what would be sent. */
  request?: { https: RequestFunction; http: RequestFunction };
}

class Deadline extends Error {}

/** A `lookup` that answers every question with the one checked address. */
function pinnedLookup({ address, family }: ResolvedAddress): LookupFunction {
  return ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as LookupFunction;
}

export class HttpsWebhookSender implements WebhookSender {
  private readonly policy: WebhookPolicy;
  private readonly resolve: Resolver;
  private readonly request: { https: RequestFunction; http: RequestFunction };

  constructor(options: HttpsWebhookSenderOptions) {
    this.policy = options.policy;
    this.resolve = options.resolve ?? systemResolver;
    this.request = options.request ?? { https: httpsRequest, http: httpRequest };
  }

  async post(
    rawUrl: string,
    { headers, body, timeoutMs }: { headers: Record<string, string>; body: string; timeoutMs: number },
  ): Promise<WebhookResult> {
    const target = checkWebhookUrl(rawUrl, this.policy);
    if (!target.ok) return { kind: "refused", reason: target.reason };
    const { url, host, literal } = target.value;
    const signal = AbortSignal.timeout(timeoutMs);

    let addresses: ResolvedAddress[];
    try {
      addresses = literal ? [literal] : await this.resolveBefore(host, signal);
    } catch (error) {
      // A name that does not resolve reads like one that resolves privately (publicRefusal), so receipts
      // cannot tell which internal names exist.
      return error instanceof Deadline
        ? { kind: "failed", category: "timed out", cause: "dns" }
        : { kind: "refused", reason: `host has no address (${errorCode(error)})` };
    }
    const checked = checkAddresses(target.value, addresses, this.policy);
    if (!checked.ok) return { kind: "refused", reason: checked.reason };

    const send = url.protocol === "https:" ? this.request.https : this.request.http;
    return new Promise<WebhookResult>((settle) => {
      let done = false;
      const finish = (result: WebhookResult) => {
        if (done) return;
        done = true;
        settle(result);
      };
      let req: ClientRequest;
      try {
        req = send(
          {
            method: "POST",
            protocol: url.protocol,
            host,
            port: url.port === "" ? undefined : Number(url.port),
            path: `${url.pathname}${url.search}`,
            headers: {
              ...headers,
              host: url.host,
              "content-length": String(Buffer.byteLength(body)),
            },
            // The checked address, whatever the name would resolve to now.
            lookup: pinnedLookup(checked.value),
            // TLS checks the certificate against the name (for an IP literal, against the address).
            ...(literal ? {} : { servername: host }),
            // A fresh connection each time: a pooled socket could lead to an address checked earlier.
            agent: false,
            signal,
          },
          (res) => {
            // The status is all we need; the body is not read.
            res.destroy();
            finish({ kind: "answered", status: res.statusCode ?? 0 });
          },
        );
      } catch (error) {
        finish({ kind: "failed", category: "connection failed", cause: errorCode(error) });
        return;
      }
      req.on("error", (error) =>
        finish(
          signal.aborted
            ? { kind: "failed", category: "timed out" }
            : { kind: "failed", category: "connection failed", cause: errorCode(error) },
        ),
      );
      req.end(body);
    });
  }

  private resolveBefore(host: string, signal: AbortSignal): Promise<ResolvedAddress[]> {
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(new Deadline("resolution timed out"));
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      this.resolve(host).then(
        (a) => {
          signal.removeEventListener("abort", onAbort);
          resolve(a);
        },
        (e) => {
          signal.removeEventListener("abort", onAbort);
          reject(e);
        },
      );
    });
  }
}

/** An error's code (ECONNREFUSED, ENOTFOUND, ERR_TLS_CERT_ALTNAME_INVALID …), never its message. */
function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && /^[A-Z0-9_]{1,64}$/.test(code) ? code : "unknown";
}
