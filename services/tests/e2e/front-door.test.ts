/**
 * The front door end to end: LocalStack's API Gateway, provisioned from the route table in events/ (the
 * one the Pulumi program builds from), in front of the real intake, with the real worker and consumers.
 *
 * Proved here: routes, path parameters and the gateway's header mappings (its token reaches the intake;
 * a request that skips the gateway is refused), Snowflake's batch format both ways, identity from the door
 * and not from the body. Not provable on community LocalStack (it authenticates nobody, enforces no
 * resource policy or throttling): IAM, the policy and throttling are in infra/tests/unit/front-door.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GATEWAY_HEADERS } from "#events/front-door.js";
import type { RunningConsumers } from "#services/consumers/run-consumers.js";
import type { RunningWorker } from "#services/worker/main.js";
import { LOCAL_CALLER } from "../../../localstack/front-door.js";
import { createBusTap, createTestTopology, type TestTopology } from "../../../localstack/testing.js";
import { startTestConsumers, startTestFrontDoor, startTestWorker, type TestFrontDoor } from "./support.js";

const JSON_TYPE = { "content-type": "application/json" };
/** The intake's per-caller burst in this test: a few jobs, so one oversized batch meets it. */
const QUOTA_BURST = 20;

describe("the front door on LocalStack's API Gateway", () => {
  let t: TestTopology;
  let tap: Awaited<ReturnType<typeof createBusTap>>;
  let worker: RunningWorker;
  let consumers: RunningConsumers;
  let front: TestFrontDoor;

  beforeAll(async () => {
    t = await createTestTopology();
    const prefix = t.provisioned.topology.prefix;
    tap = await createBusTap(t);
    consumers = await startTestConsumers(prefix);
    worker = await startTestWorker(prefix);
    front = await startTestFrontDoor(t, { INTAKE_CALLER_BURST: String(QUOTA_BURST) });
  }, 120_000);

  afterAll(async () => {
    await front?.stop();
    await worker?.stop();
    await consumers?.stop();
    await tap?.dispose();
    await t?.dispose();
  });

  it("POST /jobs through the gateway → 202, the job is organized and notified, requestedBy is the door's", async () => {
    const res = await fetch(`${front.door.url}/jobs`, {
      method: "POST",
      headers: JSON_TYPE,
      body: JSON.stringify({
        jobId: "DOOR_SALES_1",
        reportType: "sales",
        parameters: { from: "2025-07-01", to: "2025-07-31" },
        requestedBy: "ceo@example.com",
      }),
    });

    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ jobId: "DOOR_SALES_1", status: "queued" });
    await tap.waitFor(
      (es) => es.some((e) => e.detail.jobId === "DOOR_SALES_1" && e.detailType === "ReportNotified"),
      "ReportNotified",
      90_000,
    );
    const kinds = tap.events.filter((e) => e.detail.jobId === "DOOR_SALES_1").map((e) => e.detailType);
    expect(kinds).toEqual(expect.arrayContaining(["ReportGenerated", "ReportOrganized", "ReportNotified"]));

    // GET /jobs/{jobId} through the gateway: the status, and the requester recorded is the door's caller
    const status = await fetch(`${front.door.url}/jobs/DOOR_SALES_1`);
    expect(status.status).toBe(200);
    const body = (await status.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ jobId: "DOOR_SALES_1" });
    expect(["organized", "notified"]).toContain(body.state);
    expect(body.requestedBy).toBe(LOCAL_CALLER);
    const started = tap.events.find(
      (e) => e.detail.jobId === "DOOR_SALES_1" && e.detailType === "ReportStarted",
    );
    expect(started?.detail.requestedBy).toBe(LOCAL_CALLER);
  }, 120_000);

  it("a Snowflake batch through the gateway answers in Snowflake's format, one job per row", async () => {
    const res = await fetch(`${front.door.url}/snowflake/submit`, {
      method: "POST",
      headers: { ...JSON_TYPE, "sf-external-function-format": "json" },
      body: JSON.stringify({
        data: [
          [0, "connectivity_test", {}],
          [1, "sales", { from: "2025-07-01", to: "2025-07-31" }],
          [2, "horoscope", {}],
        ],
      }),
    });

    expect(res.status).toBe(200);
    const out = (await res.json()) as { data: [number, unknown][] };
    expect(out.data.map((r) => r[0])).toEqual([0, 1, 2]);
    const [first, second, third] = out.data.map((r) => r[1]);
    expect(first).toMatch(/^sf-connectivity_test-[0-9a-f]{32}$/);
    expect(second).toMatch(/^sf-sales-[0-9a-f]{32}$/);
    expect(JSON.stringify(third)).toMatch(/reportType/);
    await tap.waitFor(
      (es) =>
        [first, second].every((id) =>
          es.some((e) => e.detail.jobId === id && e.detailType === "ReportGenerated"),
        ),
      "both jobs generated",
      90_000,
    );
  }, 120_000);

  it("GET /jobs/{jobId} through the gateway answers 404 for an unknown job and 400 for a bad id", async () => {
    const unknown = await fetch(`${front.door.url}/jobs/NOBODY_KNOWS`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("JOB_NOT_FOUND");
  });

  it("the intake refuses a request that skipped the gateway, and accepts what only the gateway could add", async () => {
    const job = JSON.stringify({ jobId: "DOOR_BYPASS_1", reportType: "connectivity_test" });

    const direct = await fetch(`${front.intakeUrl}/jobs`, { method: "POST", headers: JSON_TYPE, body: job });
    const forged = await fetch(`${front.intakeUrl}/jobs`, {
      method: "POST",
      headers: { ...JSON_TYPE, [GATEWAY_HEADERS.token]: "x".repeat(48) },
      body: job,
    });
    const health = await fetch(`${front.intakeUrl}/health/live`);

    expect(direct.status).toBe(403);
    expect(((await direct.json()) as { error: { code: string } }).error.code).toBe("NOT_VIA_GATEWAY");
    expect(forged.status).toBe(403);
    expect(health.status).toBe(200);
    // nothing of the refused job reached the pipeline
    await new Promise((r) => setTimeout(r, 1500));
    expect(tap.events.some((e) => e.detail.jobId === "DOOR_BYPASS_1")).toBe(false);
  });

  it("a caller past its quota gets 429 through the gateway, before any of its rows is submitted", async () => {
    const rows = Array.from({ length: QUOTA_BURST + 1 }, (_, i) => [i, "connectivity_test", { n: i }]);

    const res = await fetch(`${front.door.url}/snowflake/submit`, {
      method: "POST",
      headers: JSON_TYPE,
      body: JSON.stringify({ data: rows }),
    });

    expect(res.status).toBe(429);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("QUOTA_EXCEEDED");
  });
});
