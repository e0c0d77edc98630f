import type { Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { parseReportJob } from "#events/report-job.schema.js";
import { createLogger } from "#services/shared/logger.js";
import { createHttpServer, type HttpDeps, listen } from "../../http-server.js";

let server: Server | undefined;
afterEach(async () => {
  await new Promise((r) => server?.close(r));
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

const job = {
  jobId: "HTTP_1",
  reportType: "sales",
  parameters: { from: "2025-07-01", to: "2025-07-31" },
  requestedAt: "2025-08-01T00:00:00Z",
  requestedBy: "tester",
};

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
    });

    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string; fields: string[] } };
    expect(body.error.code).toBe("VALIDATION_FAILED");
    expect(body.error.fields).toContain("parameters.to");
    expect(submitted).toHaveLength(0);
  });

  it("answers 400 for a body that is not JSON and 413 for one over the limit", async () => {
    const { base } = await start();

    const notJson = await fetch(`${base}/jobs`, { method: "POST", body: "{nope" });
    const huge = await fetch(`${base}/jobs`, {
      method: "POST",
      body: JSON.stringify({ pad: "x".repeat(5000) }),
    });

    expect(notJson.status).toBe(400);
    expect(huge.status).toBe(413);
  });

  it("reports health 503 when a dependency is down", async () => {
    const { base } = await start({
      health: async () => ({ queue: { ok: true }, warehouse: { ok: false, detail: "connection refused" } }),
    });

    const res = await fetch(`${base}/health`);

    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: "degraded", checks: { warehouse: { ok: false } } });
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
