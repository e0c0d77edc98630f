/**
 * The processes' HTTP side (node:http, no framework). Every process serves /health; the routes whose
 * handler a process passes are served, the others answer 501:
 *
 *   GET  /health             the process's checks (200 ok / 503 degraded)
 *   POST /jobs               validate and enqueue a job → 202 {jobId}; 400 naming the field; 413 too large
 *   GET  /jobs/:id           job status from the audit trail (404 while no event exists)
 *   POST /snowflake/submit   Snowflake external-function intake (batch rows in, one job id per row out)
 *
 * Every error answer is JSON `{ error: { code, message, fields? } }`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isPipelineError, ValidationError } from "#events/errors.js";
import type { Logger } from "#services/shared/logger.js";

export interface HealthCheck {
  ok: boolean;
  detail?: string;
}

export interface HttpDeps {
  logger: Logger;
  maxBodyBytes: number;
  health(): Promise<Record<string, HealthCheck>>;
  /** Validates and enqueues a job; throws ValidationError on bad input. */
  submit?(input: unknown): Promise<{ jobId: string; messageId?: string }>;
  /** Status of a job, or undefined when nothing is known of it. */
  status?(jobId: string): Promise<unknown | undefined>;
  /** Snowflake external-function batch; throws ValidationError on a malformed envelope. */
  snowflakeSubmit?(body: unknown): Promise<unknown>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: string[],
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(json),
  });
  res.end(json);
}

async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  // The body is parsed as JSON whatever its declared content-type (curl -d sends a form type by default).
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
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "VALIDATION_FAILED", "body is not valid JSON", ["(body)"]);
  }
}

export function createHttpServer(deps: HttpDeps): Server {
  const route = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = req.method ?? "GET";
    if (url.pathname === "/health" && method === "GET") {
      const checks = await deps.health();
      const ok = Object.values(checks).every((c) => c.ok);
      return send(res, ok ? 200 : 503, { status: ok ? "ok" : "degraded", checks });
    }
    if (url.pathname === "/jobs" && method === "POST") {
      if (!deps.submit) throw new HttpError(501, "NOT_IMPLEMENTED", "this process does not accept jobs");
      const body = await readJson(req, deps.maxBodyBytes);
      const out = await deps.submit(body);
      return send(res, 202, { ...out, status: "queued" });
    }
    const jobMatch = /^\/jobs\/([^/]+)$/.exec(url.pathname);
    if (jobMatch && method === "GET") {
      if (!deps.status)
        throw new HttpError(501, "NOT_IMPLEMENTED", "job status is not available in this process");
      let jobId: string;
      try {
        jobId = decodeURIComponent(jobMatch[1] ?? "");
      } catch {
        throw new HttpError(400, "VALIDATION_FAILED", "jobId: is not valid percent-encoding", ["jobId"]);
      }
      const status = await deps.status(jobId);
      if (status === undefined) throw new HttpError(404, "JOB_NOT_FOUND", `no events for job ${jobId} yet`);
      return send(res, 200, status);
    }
    if (url.pathname === "/snowflake/submit" && method === "POST") {
      if (!deps.snowflakeSubmit)
        throw new HttpError(501, "NOT_IMPLEMENTED", "Snowflake intake is not enabled");
      const body = await readJson(req, deps.maxBodyBytes);
      return send(res, 200, await deps.snowflakeSubmit(body));
    }
    const known = ["/health", "/jobs", "/snowflake/submit"].includes(url.pathname) || jobMatch;
    throw known
      ? new HttpError(405, "METHOD_NOT_ALLOWED", `${method} is not allowed on ${url.pathname}`)
      : new HttpError(404, "NOT_FOUND", `no route for ${method} ${url.pathname}`);
  };

  return createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) {
        return send(res, error.status, {
          error: {
            code: error.code,
            message: error.message,
            ...(error.fields ? { fields: error.fields } : {}),
          },
        });
      }
      if (error instanceof ValidationError) {
        return send(res, 400, { error: { code: error.code, message: error.message, fields: error.fields } });
      }
      deps.logger.error("http request failed", { error, path: req.url, method: req.method });
      const code = isPipelineError(error) ? error.code : "INTERNAL";
      const status = isPipelineError(error) && error.retryable ? 503 : 500;
      return send(res, status, { error: { code, message: "internal error; see the service log" } });
    });
  });
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
