/**
 * A local fault proxy for resilience tests: an HTTP server on 127.0.0.1 that forwards every request to the
 * local AWS (LocalStack) and, for a seeded fraction of the writes that matter, answers an AWS-style 500/503
 * instead. Processes under test get `AWS_ENDPOINT_URL` pointing here, so the code under test is not edited
 * to inject faults; the SDK sees exactly what a flaky AWS would send it.
 *
 * Faulted operations (detected from method, path, query, headers):
 *   - S3 `PutObject`, `UploadPart`, `CompleteMultipartUpload` (SigV4 scope `/s3/`; copies and sub-resource
 *     writes such as `?tagging` are forwarded untouched),
 *   - EventBridge `PutEvents` (`x-amz-target: AWSEvents.PutEvents`).
 *
 * A fault is decided when the request arrives ("before": the request never reaches LocalStack). With
 * `lostResponseShare` > 0 that share of the faults is applied "after": the request is forwarded, LocalStack
 * applies it, and the client still gets the error (a response lost on the way back, as after a timeout).
 *
 * Bounded: loopback only, at most `maxConnections` client connections and `maxUpstreamSockets` upstream
 * sockets, every request times out.
 */

import http from "node:http";
import type { AddressInfo } from "node:net";
import { prng } from "./prng.js";

export type FaultKind = "s3Put" | "putEvents";

export interface FaultProxyOptions {
  /** Where requests go; default http://127.0.0.1:4566. Must be a loopback address. */
  target?: string;
  /** Fraction of S3 PutObject / UploadPart / CompleteMultipartUpload requests answered with an error. */
  s3PutFailRate: number;
  /** Fraction of EventBridge PutEvents requests answered with an error. */
  putEventsFailRate: number;
  /** Share of the faults applied after forwarding (the request took effect; the response is lost). */
  lostResponseShare?: number;
  /** PRNG seed, so a run can be repeated. */
  seed?: number;
  maxConnections?: number;
  maxUpstreamSockets?: number;
  /** Per-request timeout, ms (long polls are at most 20 s). */
  requestTimeoutMs?: number;
}

export interface FaultProxyStats {
  /** Requests received. */
  requests: number;
  /** Requests of each faultable kind seen, and how many were faulted. */
  seen: Record<FaultKind, number>;
  faulted: Record<FaultKind, number>;
  /** Faults applied after forwarding (a subset of `faulted`). */
  lostResponses: Record<FaultKind, number>;
  /** Faults by HTTP status answered. */
  byStatus: Record<"500" | "503", number>;
  /** Requests that failed upstream (LocalStack unreachable or reset): answered 502. */
  upstreamErrors: number;
}

export interface FaultProxy {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  stats(): FaultProxyStats;
  /** Stops accepting, closes open connections, resolves when closed. */
  close(): Promise<void>;
}

/** Which faultable operation a request is, if any. */
export function classify(req: {
  method?: string | undefined;
  url?: string | undefined;
  headers: http.IncomingHttpHeaders;
}): FaultKind | undefined {
  const get = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? (v[0] ?? "") : (v ?? "");
  };
  const method = (req.method ?? "GET").toUpperCase();
  if (method === "POST" && get("x-amz-target") === "AWSEvents.PutEvents") return "putEvents";
  // S3 is the only service here whose SigV4 credential scope says s3 (path-style requests on one port).
  if (!/\/s3\/aws4_request/.test(get("authorization"))) return undefined;
  const url = new URL(req.url ?? "/", "http://proxy.invalid");
  const segments = url.pathname.split("/").filter(Boolean);
  if (segments.length < 2) return undefined; // bucket-level operations
  const q = url.searchParams;
  const xId = q.get("x-id");
  if (method === "PUT") {
    if (get("x-amz-copy-source")) return undefined; // CopyObject / UploadPartCopy
    if (xId === "PutObject" || xId === "UploadPart") return "s3Put";
    if (q.has("partNumber") && q.has("uploadId")) return "s3Put";
    // Any sub-resource (?tagging, ?acl, ?retention …) is another operation.
    return [...q.keys()].every((k) => k === "x-id") ? "s3Put" : undefined;
  }
  if (method === "POST") {
    if (xId === "CompleteMultipartUpload") return "s3Put";
    if (q.has("uploadId") && !q.has("uploads")) return "s3Put";
  }
  return undefined;
}

function errorResponse(kind: FaultKind, status: 500 | 503, n: number) {
  const requestId = `fault-${n.toString(16).padStart(8, "0")}`;
  if (kind === "s3Put") {
    const [code, message] =
      status === 503
        ? ["SlowDown", "Please reduce your request rate. (injected by fault proxy)"]
        : ["InternalError", "We encountered an internal error. Please try again. (injected by fault proxy)"];
    return {
      headers: { "content-type": "application/xml", "x-amz-request-id": requestId },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${requestId}</RequestId></Error>`,
    };
  }
  const type = status === 503 ? "ServiceUnavailableException" : "InternalException";
  return {
    headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": requestId },
    body: JSON.stringify({ __type: type, message: "injected by fault proxy" }),
  };
}

function assertLoopback(target: URL) {
  if (target.protocol !== "http:" || !["127.0.0.1", "localhost", "[::1]"].includes(target.hostname)) {
    throw new Error(`fault proxy target must be a loopback http URL, got ${target.href}`);
  }
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target ?? "http://127.0.0.1:4566");
  assertLoopback(target);
  for (const [name, rate] of [
    ["s3PutFailRate", options.s3PutFailRate],
    ["putEventsFailRate", options.putEventsFailRate],
    ["lostResponseShare", options.lostResponseShare ?? 0],
  ] as const) {
    if (!(rate >= 0 && rate <= 1)) throw new Error(`${name} must be within [0, 1], got ${rate}`);
  }
  const random = prng(options.seed ?? 1);
  const rates: Record<FaultKind, number> = {
    s3Put: options.s3PutFailRate,
    putEvents: options.putEventsFailRate,
  };
  const lostShare = options.lostResponseShare ?? 0;
  const requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxUpstreamSockets ?? 64 });
  const stats: FaultProxyStats = {
    requests: 0,
    seen: { s3Put: 0, putEvents: 0 },
    faulted: { s3Put: 0, putEvents: 0 },
    lostResponses: { s3Put: 0, putEvents: 0 },
    byStatus: { "500": 0, "503": 0 },
    upstreamErrors: 0,
  };

  const sendFault = (res: http.ServerResponse, kind: FaultKind, status: 500 | 503) => {
    const { headers, body } = errorResponse(kind, status, stats.faulted[kind]);
    if (!res.headersSent) {
      res.writeHead(status, { ...headers, "content-length": Buffer.byteLength(body) });
      res.end(body);
    }
  };

  const forward = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    onResponse?: (upstream: http.IncomingMessage) => boolean,
  ) => {
    const upstream = http.request(
      {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
        timeout: requestTimeoutMs,
      },
      (up) => {
        if (onResponse?.(up)) {
          up.resume();
          return;
        }
        res.writeHead(up.statusCode ?? 502, up.rawHeaders);
        up.pipe(res);
      },
    );
    upstream.on("timeout", () => upstream.destroy(new Error("upstream timeout")));
    upstream.on("error", () => {
      stats.upstreamErrors += 1;
      if (!res.headersSent) {
        res.writeHead(502, { "content-type": "text/plain" });
        res.end("fault proxy: upstream error");
      } else {
        res.destroy();
      }
    });
    req.pipe(upstream);
  };

  const server = http.createServer((req, res) => {
    stats.requests += 1;
    const kind = classify(req);
    if (kind) stats.seen[kind] += 1;
    const fault = kind !== undefined && random() < rates[kind];
    if (!kind || !fault) {
      forward(req, res);
      return;
    }
    stats.faulted[kind] += 1;
    const status: 500 | 503 = random() < 0.5 ? 500 : 503;
    stats.byStatus[status] += 1;
    if (random() < lostShare) {
      stats.lostResponses[kind] += 1;
      forward(req, res, () => {
        sendFault(res, kind, status);
        return true;
      });
      return;
    }
    // Read the whole request before answering, as a server would, so the client sees a response, not EPIPE.
    req.on("end", () => sendFault(res, kind, status));
    req.on("error", () => res.destroy());
    req.resume();
  });
  server.maxConnections = options.maxConnections ?? 256;
  server.requestTimeout = requestTimeoutMs;
  server.headersTimeout = Math.min(requestTimeoutMs, 30_000);
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stats: () => structuredClone(stats),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      agent.destroy();
    },
  };
}
