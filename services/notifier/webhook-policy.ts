/**
 * Which webhook destinations the notifier may reach (DESIGN: "nothing inside is reachable from a job").
 * A job names its `delivery.webhookUrl`, so a job could otherwise make the notifier POST to the instance
 * metadata service, a private API or a port on the host. These functions decide; they do no I/O. The
 * adapter (https-webhook-sender.ts) resolves the host, asks {@link checkAddresses} about every address,
 * and connects to the address that was checked, so a second DNS answer cannot slip in between.
 *
 * The rule: https only; no user info; at most {@link MAX_WEBHOOK_URL_LENGTH} characters; when an
 * allowlist is configured, only its hosts; and every address the host resolves to must be public unicast
 * as ipaddr.js classifies it (after turning IPv4-mapped IPv6 into IPv4): loopback, private, link-local,
 * carrier-grade NAT, multicast, unspecified, unique-local, reserved, broadcast and every other special
 * range are refused. In local development (`allowLoopback`) loopback addresses are allowed too, and http
 * to them.
 */
import ipaddr from "ipaddr.js";

export const MAX_WEBHOOK_URL_LENGTH = 2048;

export interface WebhookPolicy {
  /** Local development only (WEBHOOK_ALLOW_LOOPBACK): loopback addresses, and http to them. */
  allowLoopback: boolean;
  /** When set (WEBHOOK_ALLOWED_HOSTS), the only host names a webhook may use; lower case. */
  allowedHosts?: readonly string[] | undefined;
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export interface WebhookTarget {
  url: URL;
  /** The host as the connection needs it: lower case, no IPv6 brackets, no trailing dot. */
  host: string;
  /** Set when the host is itself an IP address (nothing to resolve). */
  literal?: ResolvedAddress;
}

export type PolicyDecision<T> = { ok: true; value: T } | { ok: false; reason: string };

const refuse = (reason: string) => ({ ok: false as const, reason });

/** The host part of a URL as compared with the allowlist and the per-host secrets. */
export function webhookHost(url: URL): string {
  return url.hostname
    .replace(/^\[(.*)\]$/, "$1")
    .replace(/\.$/, "")
    .toLowerCase();
}

/** The ipaddr.js range of an address ("unicast" for a public one); "invalid" when it is no IP address. */
export function addressRange(address: string): string {
  try {
    return ipaddr.process(address).range();
  } catch {
    return "invalid";
  }
}

function literalAddress(host: string): ResolvedAddress | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(host)) return { address: host, family: 4 };
  if (ipaddr.IPv6.isValid(host)) return { address: host, family: 6 };
  return undefined;
}

/** The text-level checks, before any resolution. */
export function checkWebhookUrl(raw: string, policy: WebhookPolicy): PolicyDecision<WebhookTarget> {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH)
    return refuse(`URL longer than ${MAX_WEBHOOK_URL_LENGTH} characters`);
  if (!URL.canParse(raw)) return refuse("not a URL");
  const url = new URL(raw);
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return refuse(`scheme ${url.protocol} not allowed`);
  if (url.protocol === "http:" && !policy.allowLoopback) return refuse("http not allowed (https only)");
  if (url.username !== "" || url.password !== "") return refuse("URL with user info");
  const host = webhookHost(url);
  if (policy.allowedHosts && !policy.allowedHosts.includes(host))
    return refuse("host not in WEBHOOK_ALLOWED_HOSTS");
  const literal = literalAddress(host);
  return { ok: true, value: { url, host, ...(literal ? { literal } : {}) } };
}

/**
 * Every address the host resolved to must be allowed (one private address among public ones is enough
 * to refuse: the connection could go to any of them). Returns the address to connect to.
 */
export function checkAddresses(
  target: WebhookTarget,
  addresses: readonly ResolvedAddress[],
  policy: WebhookPolicy,
): PolicyDecision<ResolvedAddress> {
  const [first] = addresses;
  if (!first) return refuse("host has no address");
  for (const { address } of addresses) {
    const range = addressRange(address);
    const allowed = range === "unicast" || (policy.allowLoopback && range === "loopback");
    if (!allowed) return refuse(`address in range ${range}`);
    if (target.url.protocol === "http:" && range !== "loopback") return refuse("http only to loopback");
  }
  return { ok: true, value: first };
}

/**
 * The refusal as the receipt shows it to whoever submitted the job: address-based reasons (no address, a
 * private or loopback one) become one, so receipts cannot map which internal names exist and where they
 * point. The precise reason goes to the notifier's log.
 */
export function publicRefusal(reason: string): string {
  return /^(address in range|host has no address|http only to loopback)/.test(reason)
    ? "host does not resolve to public addresses only"
    : reason;
}
