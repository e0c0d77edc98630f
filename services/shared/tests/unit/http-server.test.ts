import type { Server } from "node:http";
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { parseReportJob } from "#events/report-job.schema.js";
import { handleSnowflakeSubmit } from "#services/intake/snowflake-external-function.js";
import { createLogger } from "#services/shared/logger.js";
import {
  createHttpServer,
  HTTP_LIMITS,
  type HttpDeps,
  HttpError,
  jsonNestsDeeperThan,
  listen,
  MAX_JSON_DEPTH,
} from "../../http-server.js";

let server: Server | undefined;
afterEach(async () => {
  if (server) await new Promise((r) => server?.close(r));
  server = undefined;
});

async function start(overrides: Partial<HttpDeps> = {}) {
  const submitted: unknown[] = [];
  server = createHttpServer({
    logger: createLogger({ service: "test", write: () => {} }),
    maxBodyBytes: 2048,
    health: async () => ({ queue: { ok: true }, warehouse: { ok: true } }),
    submit: async (input) => {
      const job = parseReportJob(input);
      submitted.push(job);
      return { jobId: job.jobId };
    },
    ...overrides,
  });
  const port = await listen(server, 0, "127.0.0.1");
  return { base: `http://127.0.0.1:${port}`, submitted };
}

const JSON_TYPE = { "content-type": "application/json" };

type ErrorBody = { error: { code: string; message: string; fields?: string[] } };

const job = {
  jobId: "HTTP_1",
  reportType: "sales",
  parameters: { from: "2025-07-01", to: "2025-07-31" },
  requestedAt: "2025-08-01T00:00:00Z",
  requestedBy: "tester",
};

describe("HTTP server", () => {
  it("asks authorize first and answers its refusal without handling the request", async () => {
    const seen: string[] = [];
    const { base, submitted } = await start({
      authorize: (req, route) => {
        seen.push(route.id);
        if (req.headers["x-pass"] !== "yes")
          throw new HttpError(403, "NOT_VIA_GATEWAY", "not through the door");
        return { caller: "arn:aws:iam::123456789012:user/a" };
      },
      status: async (jobId, context) => ({ jobId, caller: context.caller }),
    });

    const refused = await fetch(`${base}/jobs`, {
      method: "POST",
      body: JSON.stringify(job),
      headers: JSON_TYPE,
    });
    const status = await fetch(`${base}/jobs/J1`, { headers: { "x-pass": "yes" } });
    const health = await fetch(`${base}/health`);

    expect(refused.status).toBe(403);
    expect(((await refused.json()) as ErrorBody).error.code).toBe("NOT_VIA_GATEWAY");
    expect(submitted).toHaveLength(0);
    expect(await status.json()).toEqual({ jobId: "J1", caller: "arn:aws:iam::123456789012:user/a" });
    expect(health.status).toBe(200);
    expect(seen).toEqual(["submitJob", "jobStatus"]);
  });

  it("sends an HttpError's extra headers (retry-after on a 429)", async () => {
    const { base } = await start({
      submit: async () => {
        throw new HttpError(429, "QUOTA_EXCEEDED", "slow down", undefined, { "retry-after": "7" });
      },
    });

    const res = await fetch(`${base}/jobs`, {
      method: "POST",
      body: JSON.stringify(job),
      headers: JSON_TYPE,
    });

    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("7");
  });
});

describe("worker HTTP server", () => {
  it("accepts a valid job with 202 and its id", async () => {
    const { base, submitted } = await start();

    const res = await fetch(`${base}/jobs`, {
      method: "POST",
      body: JSON.stringify(job),
      headers: { "content-type": "application/json" },
    });

    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ jobId: "HTTP_1", status: "queued" });
    expect(submitted).toHaveLength(1);
  });

  it("answers 400 naming the field for a bad job, and enqueues nothing", async () => {
    const { base, submitted } = await start();

    const res = await fetch(`${base}/jobs`, {
      method: "POST",
      body: JSON.stringify({ ...job, parameters: { from: "2025-08-01", to: "2025-07-01" } }),
      headers: JSON_TYPE,
    });

    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string; fields: string[] } };
    expect(body.error.code).toBe("VALIDATION_FAILED");
    expect(body.error.fields).toContain("parameters.to");
    expect(submitted).toHaveLength(0);
  });

  it("answers 400 for a body that is not JSON and 413 for one over the limit", async () => {
    const { base } = await start();

    const notJson = await fetch(`${base}/jobs`, { method: "POST", body: "{nope", headers: JSON_TYPE });
    const huge = await fetch(`${base}/jobs`, {
      method: "POST",
      body: JSON.stringify({ pad: "x".repeat(5000) }),
      headers: JSON_TYPE,
    });

    expect(notJson.status).toBe(400);
    expect(huge.status).toBe(413);
  });

  it("is live but not ready when a dependency is down, and says why with a code, never the error's text", async () => {
    // Prepare: the warehouse check fails; a careless caller even passes the raw error along
    const { base } = await start({
      live: () => true,
      health: async () => ({
        queue: { ok: true },
        warehouse: {
          ok: false,
          code: "WAREHOUSE_UNAVAILABLE",
          detail: "connect ECONNREFUSED 10.0.3.7:443 user=svc",
        } as never,
      }),
    });
    // Act
    const live = await fetch(`${base}/health/live`);
    const ready = await fetch(`${base}/health/ready`);
    const legacy = await fetch(`${base}/health`);
    // Assess: the container check (liveness) passes; readiness fails with the code only
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ live: true, status: "ok" });
    expect(ready.status).toBe(503);
    const body = await ready.json();
    expect(body).toEqual({
      ready: false,
      status: "degraded",
      checks: { queue: { ok: true }, warehouse: { ok: false, code: "WAREHOUSE_UNAVAILABLE" } },
    });
    expect(JSON.stringify(body)).not.toContain("ECONNREFUSED");
    expect(legacy.status).toBe(503);
  });

  it("is not live once the process stopped polling", async () => {
    const { base } = await start({
      live: () => false,
      health: async () => ({ consumer: { ok: false, inFlight: 0 } }),
    });

    const res = await fetch(`${base}/health/live`);

    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ live: false, status: "stopped" });
  });

  it("answers 404 for an unknown route and 405 for a wrong method", async () => {
    const { base } = await start();

    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/health`, { method: "DELETE" })).status).toBe(405);
  });
});

describe("worker HTTP server job status", () => {
  it("answers 400 naming jobId for a malformed percent-encoding, 404 for an unknown job, 200 with the status", async () => {
    const { base } = await start({
      status: async (jobId) => (jobId === "KNOWN" ? { jobId, state: "notified" } : undefined),
    });

    const bad = await fetch(`${base}/jobs/%E0`);
    const unknown = await fetch(`${base}/jobs/NOPE`);
    const known = await fetch(`${base}/jobs/KNOWN`);

    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { fields: string[] } }).error.fields).toEqual(["jobId"]);
    expect(unknown.status).toBe(404);
    expect(await known.json()).toEqual({ jobId: "KNOWN", state: "notified" });
  });
});

describe("worker HTTP server content-type", () => {
  it.each([
    ["text/plain (a cross-origin form or fetch without preflight)", "text/plain;charset=UTF-8"],
    ["a form type (curl -d)", "application/x-www-form-urlencoded"],
    ["a JSON look-alike", "application/jsonp"],
    ["JSON in another charset", "application/json; charset=iso-8859-1"],
  ])("answers 415 naming content-type for %s, and never calls the handler", async (_what, type) => {
    // Prepare
    const snowflakeBodies: unknown[] = [];
    const { base, submitted } = await start({
      snowflakeSubmit: async (body) => {
        snowflakeBodies.push(body);
        return { data: [] };
      },
    });
    // Act
    const jobs = await fetch(`${base}/jobs`, {
      method: "POST",
      body: JSON.stringify(job),
      headers: { "content-type": type },
    });
    const snowflake = await fetch(`${base}/snowflake/submit`, {
      method: "POST",
      body: JSON.stringify({ data: [] }),
      headers: { "content-type": type },
    });
    // Assess
    for (const res of [jobs, snowflake]) {
      expect(res.status).toBe(415);
      const body = (await res.json()) as ErrorBody;
      expect(body.error).toMatchObject({ code: "UNSUPPORTED_MEDIA_TYPE", fields: ["content-type"] });
      expect(body.error.message).toMatch(/content-type/);
    }
    expect(submitted).toEqual([]);
    expect(snowflakeBodies).toEqual([]);
  });

  it("answers 415 for a POST without a content-type, and takes application/json with parameters in any case", async () => {
    const { base, submitted } = await start();

    // a Blob without a type makes fetch send no content-type header
    const none = await fetch(`${base}/jobs`, { method: "POST", body: new Blob([JSON.stringify(job)]) });
    const withParameters = await fetch(`${base}/jobs`, {
      method: "POST",
      body: JSON.stringify(job),
      headers: { "content-type": "Application/JSON; charset=utf-8" },
    });

    expect(none.status).toBe(415);
    expect(((await none.json()) as ErrorBody).error.fields).toEqual(["content-type"]);
    expect(withParameters.status).toBe(202);
    expect(submitted).toHaveLength(1);
  });

  it("takes a Snowflake batch without a content-type when it carries Snowflake's own header (no browser can send that without a preflight)", async () => {
    const snowflakeBodies: unknown[] = [];
    const { base } = await start({
      snowflakeSubmit: async (body) => {
        snowflakeBodies.push(body);
        return { data: [[0, "J1"]] };
      },
    });
    const batch = JSON.stringify({ data: [[0, "connectivity_test", {}]] });

    const fromSnowflake = await fetch(`${base}/snowflake/submit`, {
      method: "POST",
      body: new Blob([batch]),
      headers: { "sf-external-function-format": "json" },
    });
    const plain = await fetch(`${base}/snowflake/submit`, { method: "POST", body: new Blob([batch]) });

    expect(fromSnowflake.status).toBe(200);
    expect(plain.status).toBe(415);
    expect(snowflakeBodies).toHaveLength(1);
  });
});

describe("worker HTTP server JSON nesting", () => {
  const deep = (levels: number, inner = "{}") => `${'{"a":'.repeat(levels)}${inner}${"}".repeat(levels)}`;

  it("answers 400 naming the body for a Snowflake batch whose parameters nest 120,000 deep, not a 500", async () => {
    // Prepare: the real Snowflake handler, whose job-id hash recursed into the parameters
    const submitted: unknown[] = [];
    const { base } = await start({
      maxBodyBytes: 1024 * 1024,
      snowflakeSubmit: (body) =>
        handleSnowflakeSubmit(body, async (j) => {
          submitted.push(j);
          return { jobId: j.jobId };
        }),
    });
    const body = `{"data": [[0, "sales", ${"[".repeat(120_000)}${"]".repeat(120_000)}]]}`;
    // Act
    const res = await fetch(`${base}/snowflake/submit`, { method: "POST", body, headers: JSON_TYPE });
    // Assess
    expect(res.status).toBe(400);
    const answer = (await res.json()) as ErrorBody;
    expect(answer.error).toMatchObject({ code: "VALIDATION_FAILED", fields: ["(body)"] });
    expect(answer.error.message).toContain(String(MAX_JSON_DEPTH));
    expect(submitted).toEqual([]);
  });

  it("answers 400 for a job one level past the limit and takes one at the limit", async () => {
    const { base, submitted } = await start({
      maxBodyBytes: 64 * 1024,
      submit: async (input) => {
        submitted.push(input);
        return { jobId: "DEEP" };
      },
    });
    const post = (text: string) => fetch(`${base}/jobs`, { method: "POST", body: text, headers: JSON_TYPE });

    // the job object is level 1, so parameters may nest MAX_JSON_DEPTH - 1 levels
    const atLimit = await post(`{"jobId": "DEEP", "parameters": ${deep(MAX_JSON_DEPTH - 2)}}`);
    const past = await post(`{"jobId": "DEEP", "parameters": ${deep(MAX_JSON_DEPTH - 1)}}`);

    expect(atLimit.status).toBe(202);
    expect(past.status).toBe(400);
    expect(((await past.json()) as ErrorBody).error.fields).toEqual(["(body)"]);
    expect(submitted).toHaveLength(1);
  });

  it("counts only brackets outside strings, an escaped quote not ending a string", () => {
    const brackets = "[{".repeat(100);

    expect(jsonNestsDeeperThan(JSON.stringify({ text: brackets }), 2)).toBe(false);
    expect(jsonNestsDeeperThan(JSON.stringify({ text: `say "${brackets}"` }), 2)).toBe(false);
    expect(jsonNestsDeeperThan(JSON.stringify({ text: "ends in a backslash \\", list: [[[]]] }), 3)).toBe(
      true,
    );
    expect(jsonNestsDeeperThan("[[[]]]", 3)).toBe(false);
    expect(jsonNestsDeeperThan("[[[[]]]]", 3)).toBe(true);
  });
});

describe("worker HTTP server limits", () => {
  const sockets: Socket[] = [];
  afterEach(() => {
    for (const s of sockets.splice(0)) s.destroy();
  });
  const open = async (base: string) => {
    const { hostname, port } = new URL(base);
    const socket = connect(Number(port), hostname);
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    return socket;
  };

  it("sets a request timeout, a headers timeout and a connection cap on the server", async () => {
    // Act
    await start();
    // Assess
    expect(server?.requestTimeout).toBe(HTTP_LIMITS.requestTimeoutMs);
    expect(server?.headersTimeout).toBe(HTTP_LIMITS.headersTimeoutMs);
    expect(server?.maxConnections).toBe(HTTP_LIMITS.maxConnections);
    expect(HTTP_LIMITS.requestTimeoutMs).toBeLessThanOrEqual(10_000);
    expect(HTTP_LIMITS.headersTimeoutMs).toBeLessThanOrEqual(HTTP_LIMITS.requestTimeoutMs);
    expect(HTTP_LIMITS.maxConnections).toBeLessThanOrEqual(1024);
  });

  it("answers 408 and closes the connection when a client stops sending its body", async () => {
    // Prepare
    const { base, submitted } = await start({
      limits: { requestTimeoutMs: 300, headersTimeoutMs: 200, connectionsCheckingIntervalMs: 50 },
    });
    const socket = await open(base);
    let received = "";
    socket.on("data", (chunk) => {
      received += String(chunk);
    });
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    // Act: headers and half the declared body, then nothing
    socket.write(
      'POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"jobId":',
    );
    const startedAt = Date.now();
    await closed;
    // Assess
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(Date.now() - startedAt).toBeLessThan(3_000);
    expect(submitted).toEqual([]);
  });

  it("closes connections beyond the cap at once", async () => {
    // Prepare: one connection held open, the cap at one
    const { base } = await start({ limits: { maxConnections: 1 } });
    await open(base);
    // Act
    const second = await open(base);
    const closed = await new Promise<boolean>((resolve) => {
      second.once("close", () => resolve(true));
      setTimeout(() => resolve(false), 2_000);
    });
    // Assess
    expect(closed).toBe(true);
  });
});
