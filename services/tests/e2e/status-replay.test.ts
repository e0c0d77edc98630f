/**
 * e2e from job submission: the worker and all three consumers (organizer, notifier, auditor) run in this
 * process on a fresh topology; `getJobStatus` and the spawned `reports status` / `reports replay` answer
 * from what they left in S3.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { delimiter, join } from "node:path";
import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CATEGORY_OF, indexKey, latestPointerKey, reportKey } from "#events/s3-layout.js";
import { submitReportJob } from "#events/submit-report-job.js";
import type { RunningConsumers } from "#services/consumers/run-consumers.js";
import type { Warehouse } from "#services/reports/warehouse.port.js";
import { createLogger } from "#services/shared/logger.js";
import { getJobStatus, type JobState, type JobStatus } from "#services/status/job-status.js";
import { replayAuditTrail } from "#services/status/replay.js";
import { S3AuditTrail, s3StatusPorts } from "#services/status/s3-audit-trail.js";
import type { RunningWorker } from "#services/worker/main.js";
import { FaultyWarehouse } from "../../../localstack/faults/faulty-warehouse.js";
import {
  createTestTopology,
  eventually,
  REPO_ROOT_FOR_TESTS,
  type TestTopology,
} from "../../../localstack/testing.js";
import { readObject, salesJob, startTestConsumers, startTestWorker } from "./support.js";

const BIN = join(REPO_ROOT_FOR_TESTS, "services", "cli", "bin", "reports.js");
/** Jobs whose id starts with this fail in the warehouse on every attempt (retryable, injected). */
const FAILING = "E2E_FAIL_";

/** Routes the failing jobs' queries to the worker's fault injection (failRate 1), the rest to the real warehouse. */
function failingFor(prefix: string, real: Warehouse): Warehouse {
  const faulty = new FaultyWarehouse(real, { delayMs: 0, failFirst: 0, failRate: 1, seed: 1 });
  const pick = (tag: string | undefined) => (tag?.startsWith(prefix) ? faulty : real);
  return {
    query: (sql, binds, options) => pick(options?.tag).query(sql, binds, options),
    stream: (sql, binds, options) => pick(options?.tag).stream(sql, binds, options),
    ping: () => real.ping(),
    close: () => real.close(),
  };
}

/** Runs `reports` as a real process (node_modules/.bin first on PATH, as `npx reports` would). */
async function reports(args: string[], timeoutMs = 45_000) {
  const child: ChildProcess = spawn(BIN, args, {
    cwd: REPO_ROOT_FOR_TESTS,
    env: {
      ...process.env,
      PATH: `${join(REPO_ROOT_FOR_TESTS, "node_modules", ".bin")}${delimiter}${process.env.PATH ?? ""}`,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (c: Buffer) => {
    stdout += c.toString("utf8");
  });
  child.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString("utf8");
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

describe("job status and replay, e2e from job submission (LocalStack)", () => {
  let t: TestTopology;
  let prefix: string;
  let bucket: string;
  let worker: RunningWorker | undefined;
  let consumers: RunningConsumers | undefined;

  const status = (jobId: string) => getJobStatus(new S3AuditTrail(t.clients.s3, bucket), jobId);
  const text = async (key: string) => (await readObject(t.clients, bucket, key)).toString("utf8");

  /** Polls the status until `until` holds; returns every distinct state seen on the way, in order. */
  async function watch(jobId: string, until: (s: JobStatus) => boolean, timeoutMs = 45_000) {
    const seen: (JobState | "unknown")[] = [];
    const last = await eventually(
      async () => {
        const s = await status(jobId);
        const state = s?.state ?? "unknown";
        if (seen.at(-1) !== state) seen.push(state);
        return s && until(s) ? s : undefined;
      },
      `status of ${jobId} (states so far: ${seen.join(" -> ")})`,
      timeoutMs,
      100,
    );
    return { seen, last };
  }

  beforeAll(async () => {
    t = await createTestTopology({ jobsMaxReceiveCount: 2 });
    prefix = t.provisioned.topology.prefix;
    bucket = t.provisioned.bucket;
    const logger = createLogger({ service: "e2e-status", level: "warn" });
    consumers = await startTestConsumers(prefix, {}, logger);
    worker = await startTestWorker(
      prefix,
      {},
      { warehouse: async (real) => failingFor(FAILING, await real()) },
    );
  });

  afterAll(async () => {
    await worker?.stop();
    await consumers?.stop();
    await t?.dispose();
  });

  it("a submitted job moves through organized to notified, and `reports status` shows it", async () => {
    const { job: sent } = await submitReportJob(
      t.clients.sqs,
      t.provisioned.jobs.queueUrl,
      salesJob("E2E_STATUS_OK"),
    );

    const { seen, last } = await watch("E2E_STATUS_OK", (s) => s.state === "notified");

    // Polling may miss short-lived states, but never sees them out of order.
    const order = ["unknown", "running", "generated", "organized", "notified"];
    expect(seen.map((s) => order.indexOf(s))).toEqual(
      [...seen.map((s) => order.indexOf(s))].sort((a, b) => a - b),
    );
    expect(seen).not.toContain("failed");
    expect(last).toMatchObject({
      jobId: "E2E_STATUS_OK",
      reportType: "sales",
      state: "notified",
      attempts: 1,
      finalKey: reportKey(sent),
    });
    expect(Object.keys(last.timestamps).sort()).toEqual(["generated", "notified", "organized", "started"]);
    expect(last.events.map((e) => e.detailType)).toEqual([
      "ReportStarted",
      "ReportGenerated",
      "ReportOrganized",
      "ReportNotified",
    ]);
    expect(last.notification?.find((c) => c.channel === "sns")?.outcome).toBe("delivered");

    const human = await reports(["status", "E2E_STATUS_OK", "--prefix", prefix]);
    const json = await reports(["status", "E2E_STATUS_OK", "--prefix", prefix, "--json"]);
    const unknown = await reports(["status", "E2E_NEVER_SUBMITTED", "--prefix", prefix]);
    const invalid = await reports(["status", "../etc", "--prefix", prefix]);

    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^state +done \(organized and notified\)$/m);
    expect(human.stdout).toContain(reportKey(sent));
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(await status("E2E_STATUS_OK"));
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain("JOB_UNKNOWN");
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain("jobId:");
  });

  it("a job that keeps failing is running while retried, then failed with the error code", async () => {
    const jobId = `${FAILING}1`;
    await submitReportJob(t.clients.sqs, t.provisioned.jobs.queueUrl, salesJob(jobId));

    const { seen, last } = await watch(jobId, (s) => s.state === "failed");

    expect(seen).toContain("running");
    expect(last).toMatchObject({
      state: "failed",
      attempts: 2,
      error: { code: "WAREHOUSE_FAULT_INJECTED", retryable: true },
    });
    expect(last.finalKey).toBeUndefined();
    expect(last.timestamps.failed).toBeDefined();
    expect(last.events.filter((e) => e.detailType === "ReportFailed")).toHaveLength(2);

    const cli = await reports(["status", jobId, "--prefix", prefix]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/^state +failed$/m);
    expect(cli.stdout).toMatch(
      /^error +WAREHOUSE_FAULT_INJECTED \(retryable\): a fault injected by the local fault drills/m,
    );
  });

  it("deleting the index and pointers and running replay rebuilds them identically; on a healthy bucket it changes nothing", async () => {
    const more = [
      salesJob("E2E_REPLAY_CUST", { reportType: "customer_analysis" }),
      salesJob("E2E_REPLAY_DQ", { reportType: "data_quality", parameters: {} }),
      salesJob("E2E_REPLAY_SALES", { format: "csv" }),
    ];
    for (const j of more) await submitReportJob(t.clients.sqs, t.provisioned.jobs.queueUrl, j);
    const done = await Promise.all(
      ["E2E_STATUS_OK", ...more.map((j) => j.jobId)].map(async (id) => {
        const { last } = await watch(id, (s) => s.state === "notified");
        return last;
      }),
    );
    // The days the reports were indexed under (normally one; two if the test runs across midnight UTC).
    const days = [...new Set(done.map((s) => (s.timestamps.generated ?? "").slice(0, 10)))].sort();
    const from = days[0] ?? "";
    const to = days.at(-1) ?? "";
    const documents = [
      ...days.map((d) => indexKey(`${d}T00:00:00Z`)),
      ...[...new Set(done.map((s) => CATEGORY_OF[s.reportType ?? "sales"]))].map(latestPointerKey),
    ];
    const before = new Map(await Promise.all(documents.map(async (k) => [k, await text(k)] as const)));
    const listed = days.map((d) => JSON.parse(before.get(indexKey(`${d}T00:00:00Z`)) ?? "{}").reports.length);
    expect(listed.reduce((a, b) => a + b, 0)).toBe(4);

    const healthy = await reports(["replay", "--from", from, "--to", to, "--prefix", prefix, "--json"]);
    for (const key of documents)
      await t.clients.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    const rebuilt = await replayAuditTrail(s3StatusPorts(t.clients.s3, bucket), { from, to });
    const after = new Map(await Promise.all(documents.map(async (k) => [k, await text(k)] as const)));
    const again = await reports(["replay", "--from", from, "--to", to, "--prefix", prefix]);

    expect(healthy.code, healthy.stderr).toBe(0);
    expect(JSON.parse(healthy.stdout)).toMatchObject({ events: 4, entries: 4, changed: 0 });
    expect(rebuilt.changedKeys.sort()).toEqual([...documents].sort());
    expect(after).toEqual(before);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^changed: 0$/m);
  });
});
