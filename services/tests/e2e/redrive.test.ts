/**
 * e2e, `reports redrive` on LocalStack: a job that failed every attempt (the warehouse was broken) ends in
 * the jobs DLQ with a final ReportFailed; once the warehouse is fixed, `reports redrive` moves it back and
 * it ends notified. A dead letter of a job that has a report already is refused and stays, until --force.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { submitReportJob } from "#events/submit-report-job.js";
import type { CliContext } from "#services/cli/context.js";
import { run } from "#services/cli/main.js";
import type { RunningConsumers } from "#services/consumers/run-consumers.js";
import type { Warehouse } from "#services/reports/warehouse.port.js";
import { createLogger } from "#services/shared/logger.js";
import { getJobStatus } from "#services/status/job-status.js";
import { S3AuditTrail } from "#services/status/s3-audit-trail.js";
import type { RunningWorker } from "#services/worker/main.js";
import {
  createTestTopology,
  eventually,
  queueDepth,
  type TestTopology,
} from "../../../localstack/testing.js";
import { objectVersions, salesJob, startTestConsumers, startTestWorker } from "./support.js";

/** The CLI in this process, its output captured. */
async function reports(t: TestTopology, args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CliContext = {
    env: { ...process.env, REPORTS_PREFIX: t.provisioned.topology.prefix },
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    now: () => new Date(),
    readFile: () => "",
    signal: new AbortController().signal,
    aws: () => t.clients,
    exitCode: 0,
  };
  const code = await run(args, ctx);
  return { code, lines: out.map((l) => JSON.parse(l) as Record<string, unknown>), err: err.join("\n") };
}

describe("reports redrive (LocalStack)", () => {
  let t: TestTopology;
  let worker: RunningWorker | undefined;
  let consumers: RunningConsumers | undefined;
  let broken = true;

  const status = (jobId: string) => getJobStatus(new S3AuditTrail(t.clients.s3, t.provisioned.bucket), jobId);
  const until = (jobId: string, state: string) =>
    eventually(
      async () => ((await status(jobId))?.state === state ? true : undefined),
      `${jobId} ${state}`,
      60_000,
      200,
    );

  beforeAll(async () => {
    t = await createTestTopology({ jobsMaxReceiveCount: 2 });
    const prefix = t.provisioned.topology.prefix;
    consumers = await startTestConsumers(prefix, {}, createLogger({ service: "e2e-redrive", level: "warn" }));
    // the warehouse fails the BROKEN job (retryable) while `broken`; the DLQ sweeper is off, so nothing hides it
    const breaking = (real: Warehouse): Warehouse => ({
      query: (sql, binds, options) => {
        if (broken && options?.tag?.startsWith("E2E_REDRIVE_BROKEN"))
          return Promise.reject(Object.assign(new Error("warehouse down"), { retryable: true }));
        return real.query(sql, binds, options);
      },
      stream: (sql, binds, options) => real.stream(sql, binds, options),
      ping: () => real.ping(),
      close: () => real.close(),
    });
    worker = await startTestWorker(
      prefix,
      { DLQ_SWEEP_INTERVAL_SECONDS: "0" },
      {
        warehouse: async (real) => breaking(await real()),
      },
    );
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    await consumers?.stop();
    await t?.dispose();
  });

  it("moves a dead-lettered job back once fixed (it ends notified) and refuses one that has a report, until --force", async () => {
    // Prepare: one job dead-lettered after failing every attempt; one finished job whose body is also a dead letter
    const jobs = t.provisioned.jobs;
    await submitReportJob(t.clients.sqs, jobs.queueUrl, salesJob("E2E_REDRIVE_BROKEN"));
    await submitReportJob(t.clients.sqs, jobs.queueUrl, salesJob("E2E_REDRIVE_DONE"));
    await until("E2E_REDRIVE_DONE", "notified");
    await eventually(
      async () => ((await queueDepth(t.clients, jobs.dlqUrl)) === 1 ? true : undefined),
      "the broken job in the DLQ",
      90_000,
      500,
    );
    // its final ReportFailed reaches the audit trail through the bus and the auditor, after the DLQ
    await until("E2E_REDRIVE_BROKEN", "failed");
    const { job: done } = await submitReportJob(t.clients.sqs, jobs.dlqUrl, salesJob("E2E_REDRIVE_DONE"));
    expect(done.jobId).toBe("E2E_REDRIVE_DONE");
    broken = false;

    // Act
    const first = await reports(t, ["redrive", "--queue", "jobs"]);
    await until("E2E_REDRIVE_BROKEN", "notified");
    const leftAfterFirst = await queueDepth(t.clients, jobs.dlqUrl);
    const bad = await reports(t, ["redrive", "--queue", "payroll"]);

    // Assess: the broken job moved and ran to notified; the finished one was refused and stayed
    expect(first.code).toBe(0);
    const byJob = Object.fromEntries(first.lines.filter((l) => l.jobId).map((l) => [l.jobId, l.action]));
    expect(byJob).toEqual({ E2E_REDRIVE_BROKEN: "moved", E2E_REDRIVE_DONE: "refused" });
    expect(first.lines.at(-1)).toMatchObject({ queue: "jobs", moved: 1, refused: 1, failed: 0 });
    expect(leftAfterFirst).toBe(1);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--queue: must be one of jobs, organize, notify, audit");
  }, 240_000);

  it("--force redrives the refused one; the worker finds its report and makes no second one", async () => {
    // Act
    const forced = await reports(t, ["redrive", "--queue", "jobs", "--force"]);
    await eventually(
      async () => ((await queueDepth(t.clients, t.provisioned.jobs.queueUrl)) === 0 ? true : undefined),
      "the forced job handled",
      30_000,
      200,
    );
    const versions = await objectVersions(t.clients, t.provisioned.bucket, "reports/sales/E2E_REDRIVE_DONE_");
    // Assess
    expect(forced.code).toBe(0);
    expect(forced.lines.at(-1)).toMatchObject({ moved: 1, refused: 0, failed: 0 });
    expect(await queueDepth(t.clients, t.provisioned.jobs.dlqUrl)).toBe(0);
    expect(versions.filter((v) => v.Key?.endsWith(".json"))).toHaveLength(1);
    expect((await status("E2E_REDRIVE_DONE"))?.state).toBe("notified");
  }, 120_000);
});
