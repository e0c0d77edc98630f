/**
 * The processes' HTTP side (node:http, no framework). Every process serves /health; the routes whose
 * handler a process passes are served, the others answer 501:
 *
 *   GET  /health/live        liveness: the process serves and its consumers run (200 / 503); what the
 *                            container health check asks, so a warehouse outage never restarts a task
 *   GET  /health/ready       readiness: queue, warehouse, consumers (200 ok / 503 degraded); `/health` is
 *                            the same answer. Checks are booleans and codes, never an error's text
 *   POST /jobs               validate and enqueue a job → 202 {jobId}; 400 naming the field; 413 too large
 *   GET  /jobs/:id           job status from the audit trail (404 while no event exists)
 *   POST /snowflake/submit   Snowflake external-function intake (batch rows in, one job id per row out)
 *
 * The last three are the front door's routes (events/front-door.ts ROUTES), served by the intake process
 * only; `authorize` runs first on each (services/intake/gateway-caller.ts: came through the gateway, who).
 *
 * Every error answer is JSON `{ error: { code, message, fields? } }`.
 *
 * POST bodies must be declared `application/json` (415 otherwise: a browser page may POST `text/plain`
 * cross-origin without a preflight, so accepting any type would let any web page a user opens submit jobs
 * to a worker it can reach) and may nest at most MAX_JSON_DEPTH levels (400). The server limits how long a
 * client may take to send a request and how many connections it holds (HTTP_LIMITS).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isPipelineError, ValidationError } from "#events/errors.js";
import { matchRoute, type RouteSpec } from "#events/front-door.js";
import type { Logger } from "#services/shared/logger.js";

/** One readiness check: a boolean, the failure's stable code, and for a consumer its messages in flight. */
export interface HealthCheck {
  ok: boolean;
  /** Why it failed (a PipelineError code, e.g. WAREHOUSE_UNAVAILABLE); never an error message. */
  code?: string;
  inFlight?: number;
}

/**
 * Deepest nesting of arrays and objects a JSON body may have. A job or a Snowflake batch needs fewer than
 * ten levels; what reads the parsed body (zod, JSON.stringify, the Snowflake job-id hash) recurses and
 * overflows the stack (RangeError, a 500) a few thousand levels down. Checked on the raw text before
 * JSON.parse, in one linear pass.
 */
export const MAX_JSON_DEPTH = 64;

export interface HttpLimits {
  /** Time for a whole request, headers and body (Node's default is 300 s); past it the answer is 408. */
  requestTimeoutMs: number;
  /** Time for the request headers (Node's default is 60 s); at most requestTimeoutMs. */
  headersTimeoutMs: number;
  /** How often Node checks the two timeouts above (Node's default is 30 s, which would stretch them). */
  connectionsCheckingIntervalMs: number;
  /** Open connections at most (Node's default is unlimited); further ones are closed at once. */
  maxConnections: number;
}

/**
 * Defaults for HttpDeps.limits. Bodies are small JSON (HTTP_MAX_BODY_BYTES, 256 KiB by default) sent by
 * Snowflake's API Gateway, the CLI or a script, so 10 s is ample and a client trickling bytes holds a
 * connection no longer than that; 256 connections is far above the intake's traffic (Snowflake sends a
 * handful of batches at once) and keeps the process's file descriptors and memory bounded.
 */
export const HTTP_LIMITS: HttpLimits = {
  requestTimeoutMs: 10_000,
  headersTimeoutMs: 5_000,
  connectionsCheckingIntervalMs: 1_000,
  maxConnections: 256,
};

export interface HttpDeps {
  logger: Logger;
  maxBodyBytes: number;
  /** Overrides of HTTP_LIMITS. */
  limits?: Partial<HttpLimits>;
  /** Readiness checks (queue, warehouse, consumers). */
  health(): Promise<Record<string, HealthCheck>>;
  /** Liveness: false once the process can no longer do its work (its consumers stopped). Default true. */
  live?(): boolean;
  /**
   * Runs before a route's handler (not before /health): says who is asking, or throws an HttpError
   * (401/403/429) and the request is answered without its body being read.
   */
  authorize?(req: IncomingMessage, route: RouteSpec): RequestContext | Promise<RequestContext>;
  /** Validates and enqueues a job; throws ValidationError on bad input. */
  submit?(input: unknown, context: RequestContext): Promise<{ jobId: string; messageId?: string }>;
  /** Status of a job, or undefined when nothing is known of it. */
  status?(jobId: string, context: RequestContext): Promise<unknown | undefined>;
  /** Snowflake external-function batch; throws ValidationError on a malformed envelope. */
  snowflakeSubmit?(body: unknown, context: RequestContext): Promise<unknown>;
}

/** What `authorize` learnt about a request: who the caller is, as the front door authenticated them. */
export interface RequestContext {
  /** The authenticated caller (an IAM ARN, or the local-development identity). */
  caller?: string;
  /** API Gateway's request id, for the logs. */
  gatewayRequestId?: string;
}

/** An answer other than 2xx with a stable code; a handler or `authorize` throws it. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: string[],
    /** Extra response headers, e.g. `retry-after` on a 429. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(json),
  });
  res.end(json);
}

/** Throws 415 unless the request declares `application/json` (parameters allowed; charset, if any, UTF-8). */
function requireJsonContentType(req: IncomingMessage): void {
  const declared = req.headers["content-type"] ?? "";
  // Snowflake's proxy may forward a batch without a content-type (its docs do not promise one), but always
  // with its own `sf-external-function-*` headers; a custom header makes a browser send a CORS preflight
  // first, so such a request cannot come from a web page.
  if (declared === "" && req.headers["sf-external-function-format"] !== undefined) return;
  const [mediaType = "", ...params] = declared.split(";").map((p) => p.trim().toLowerCase());
  const charset = params
    .find((p) => p.startsWith("charset="))
    ?.slice("charset=".length)
    .replaceAll('"', "");
  if (mediaType === "application/json" && (charset === undefined || charset === "utf-8")) return;
  throw new HttpError(
    415,
    "UNSUPPORTED_MEDIA_TYPE",
    `content-type: must be application/json (UTF-8), got ${declared === "" ? "none" : JSON.stringify(declared.slice(0, 100))}`,
    ["content-type"],
  );
}

/**
 * Whether JSON text nests arrays/objects deeper than `max`: one pass over the text counting brackets outside
 * strings (a backslash skips the next character, so an escaped quote does not end a string).
 */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth += 1;
      if (depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth -= 1;
  }
  return false;
}

async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  requireJsonContentType(req);
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) throw new HttpError(413, "BODY_TOO_LARGE", `body exceeds ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, "BODY_TOO_LARGE", `body exceeds ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "")
    throw new HttpError(400, "VALIDATION_FAILED", "body is empty; expected a JSON job", ["(body)"]);
  if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH))
    throw new HttpError(
      400,
      "VALIDATION_FAILED",
      `body nests arrays/objects deeper than ${MAX_JSON_DEPTH} levels`,
      ["(body)"],
    );
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "VALIDATION_FAILED", "body is not valid JSON", ["(body)"]);
  }
}

/** Only the fields a check may carry: whatever a caller put in, no error text leaves the process. */
function healthChecks(checks: Record<string, HealthCheck>): Record<string, HealthCheck> {
  const out: Record<string, HealthCheck> = {};
  for (const [name, check] of Object.entries(checks)) {
    const clean: HealthCheck = { ok: check.ok === true };
    if (typeof check.code === "string" && /^[A-Z][A-Z0-9_]{0,63}$/.test(check.code)) clean.code = check.code;
    if (typeof check.inFlight === "number" && Number.isSafeInteger(check.inFlight))
      clean.inFlight = check.inFlight;
    out[name] = clean;
  }
  return out;
}

export function createHttpServer(deps: HttpDeps): Server {
  const limits = { ...HTTP_LIMITS, ...deps.limits };
  const route = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = req.method ?? "GET";
    if (url.pathname === "/health/live" && method === "GET") {
      const live = deps.live?.() ?? true;
      return send(res, live ? 200 : 503, { live, status: live ? "ok" : "stopped" });
    }
    if ((url.pathname === "/health" || url.pathname === "/health/ready") && method === "GET") {
      const checks = healthChecks(await deps.health());
      const ready = Object.values(checks).every((c) => c.ok);
      return send(res, ready ? 200 : 503, { ready, status: ready ? "ok" : "degraded", checks });
    }
    const match = matchRoute(method, url.pathname);
    if (match.kind === "none") {
      if (["/health", "/health/live", "/health/ready"].includes(url.pathname))
        throw new HttpError(405, "METHOD_NOT_ALLOWED", `${method} is not allowed on ${url.pathname}`);
      throw new HttpError(404, "NOT_FOUND", `no route for ${method} ${url.pathname}`);
    }
    if (match.kind === "method-not-allowed")
      throw new HttpError(405, "METHOD_NOT_ALLOWED", `${method} is not allowed on ${url.pathname}`);
    const { route: r, params } = match;
    const handler = {
      submitJob: deps.submit,
      jobStatus: deps.status,
      snowflakeSubmit: deps.snowflakeSubmit,
    }[r.id];
    if (!handler)
      throw new HttpError(501, "NOT_IMPLEMENTED", `this process does not serve ${r.method} ${r.path}`);
    // Who is asking, before anything is read: a request that did not come through the door is refused
    // without its body being accepted.
    const context = deps.authorize ? await deps.authorize(req, r) : {};
    switch (r.id) {
      case "submitJob": {
        const body = await readJson(req, deps.maxBodyBytes);
        const out = await (deps.submit as NonNullable<HttpDeps["submit"]>)(body, context);
        return send(res, 202, { ...out, status: "queued" });
      }
      case "jobStatus": {
        let jobId: string;
        try {
          jobId = decodeURIComponent(params.jobId ?? "");
        } catch {
          throw new HttpError(400, "VALIDATION_FAILED", "jobId: is not valid percent-encoding", ["jobId"]);
        }
        const status = await (deps.status as NonNullable<HttpDeps["status"]>)(jobId, context);
        if (status === undefined) throw new HttpError(404, "JOB_NOT_FOUND", `no events for job ${jobId} yet`);
        return send(res, 200, status);
      }
      case "snowflakeSubmit": {
        const body = await readJson(req, deps.maxBodyBytes);
        return send(
          res,
          200,
          await (deps.snowflakeSubmit as NonNullable<HttpDeps["snowflakeSubmit"]>)(body, context),
        );
      }
    }
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    route(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) {
        return send(
          res,
          error.status,
          {
            error: {
              code: error.code,
              message: error.message,
              ...(error.fields ? { fields: error.fields } : {}),
            },
          },
          error.headers,
        );
      }
      if (error instanceof ValidationError) {
        return send(res, 400, { error: { code: error.code, message: error.message, fields: error.fields } });
      }
      deps.logger.error("http request failed", { error, path: req.url, method: req.method });
      const code = isPipelineError(error) ? error.code : "INTERNAL";
      const status = isPipelineError(error) && error.retryable ? 503 : 500;
      return send(res, status, { error: { code, message: "internal error; see the service log" } });
    });
  };

  const server = createServer(
    {
      requestTimeout: limits.requestTimeoutMs,
      // Node refuses a headersTimeout above a (non-zero) requestTimeout.
      headersTimeout:
        limits.requestTimeoutMs > 0
          ? Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs)
          : limits.headersTimeoutMs,
      connectionsCheckingInterval: limits.connectionsCheckingIntervalMs,
    },
    handle,
  );
  server.maxConnections = limits.maxConnections;
  return server;
}

export async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}
