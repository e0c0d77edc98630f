/**
 * Schedules end to end on LocalStack: LocalStack's Scheduler stores them, the local schedule runner fires
 * them, the worker turns each run into its job (derived id) and the consumers take it to ReportNotified.
 * The runner gets a settable clock for pause/resume, so those cases do not wait for wall-clock minutes.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListObjectsV2Command as ListObjects } from "@aws-sdk/client-s3";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ReportScheduler, type ScheduleTarget, scheduleTargetOf } from "#events/report-scheduler.js";
import { jobOfScheduledRun, parseSchedule, type Schedule, scheduledRunOf } from "#events/schedule.schema.js";
import type { CliContext } from "#services/cli/context.js";
import { run } from "#services/cli/main.js";
import type { RunningConsumers } from "#services/consumers/run-consumers.js";
import { createLogger } from "#services/shared/logger.js";
import { getJobStatus } from "#services/status/job-status.js";
import { S3AuditTrail } from "#services/status/s3-audit-trail.js";
import type { RunningWorker } from "#services/worker/main.js";
import { ScheduleRunner } from "../../../localstack/schedule-runner.js";
import { createTestTopology, eventually, type TestTopology } from "../../../localstack/testing.js";
import { startTestConsumers, startTestWorker } from "./support.js";

const KEY = "e2e-schedules-key-".repeat(3);

describe("schedules on LocalStack (runner, worker, consumers)", () => {
  let t: TestTopology;
  let worker: RunningWorker | undefined;
  let consumers: RunningConsumers | undefined;
  let scheduler: ReportScheduler;
  let target: ScheduleTarget;
  let trail: S3AuditTrail;
  let clock = new Date();
  let runner: ScheduleRunner;
  let stateFile: string;
  const runnerOptions = () => ({
    clients: t.clients,
    topology: t.provisioned.topology,
    logger: createLogger({ service: "e2e-schedule-runner", level: "warn" }),
    stateFile,
  });

  const arnOf = async (queueUrl: string) =>
    (
      await t.clients.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
      )
    ).Attributes?.QueueArn as string;
  const stateOf = async (jobId: string) => (await getJobStatus(trail, jobId))?.state;
  const notified = (jobId: string, timeoutMs = 30_000) =>
    eventually(
      async () => ((await stateOf(jobId)) === "notified" ? true : undefined),
      `${jobId} notified`,
      timeoutMs,
    );

  function cli() {
    const out: string[] = [];
    const ctx: CliContext = {
      env: {},
      out: (l) => out.push(l),
      err: () => {},
      now: () => new Date(),
      readFile: () => "",
      signal: new AbortController().signal,
      exitCode: 0,
      aws: () => t.clients,
    };
    return { ctx, out };
  }

  beforeAll(async () => {
    t = await createTestTopology();
    const prefix = t.provisioned.topology.prefix;
    worker = await startTestWorker(prefix, { JOB_ID_KEY: KEY });
    consumers = await startTestConsumers(prefix);
    scheduler = new ReportScheduler(t.clients.scheduler, t.provisioned.topology.schedules.groupName);
    target = scheduleTargetOf(
      t.provisioned.topology,
      await arnOf(t.provisioned.jobs.queueUrl),
      await arnOf(t.provisioned.jobs.dlqUrl),
    );
    trail = new S3AuditTrail(t.clients.s3, t.provisioned.bucket);
    stateFile = join(mkdtempSync(join(tmpdir(), "runner-")), "state.json");
    runner = new ScheduleRunner({ ...runnerOptions(), now: () => clock });
  }, 90_000);

  afterAll(async () => {
    await consumers?.stop();
    await worker?.stop();
    await t?.dispose();
  });

  it("a schedule due within seconds fires once and its job runs to ReportNotified", async () => {
    const due = new Date(Math.ceil((Date.now() + 3000) / 1000) * 1000);
    const schedule = parseSchedule({
      name: "due-soon",
      expression: `at(${due.toISOString().slice(0, 19)})`,
      timezone: "UTC",
      job: { reportType: "connectivity_test" },
    });
    await scheduler.create(schedule, target);

    const sent = await eventually(
      async () => {
        clock = new Date();
        const runs = (await runner.tick()).filter((r) => r.schedule === "due-soon");
        return runs.length > 0 ? runs : undefined;
      },
      "the runner to fire due-soon",
      15_000,
      500,
    );
    clock = new Date(Date.now() + 60_000);
    const later = (await runner.tick()).filter((r) => r.schedule === "due-soon");

    expect(sent).toEqual([{ schedule: "due-soon", scheduledTime: due.toISOString(), skipped: 0 }]);
    expect(later).toEqual([]); // at() fires once
    await notified(jobOfScheduledRun(scheduledRunOf(schedule, due), KEY).jobId);
  }, 60_000);

  it("paused, nothing fires; resumed, it fires again (one run for the window, none made up)", async () => {
    const schedule = parseSchedule({
      name: "every-minute",
      expression: "cron(* * * * ? *)",
      timezone: "Europe/Berlin",
      job: { reportType: "connectivity_test" },
    });
    await scheduler.create(schedule, target);
    clock = new Date(Math.max(clock.getTime(), Date.now()));
    await runner.tick(); // the window starts now

    await scheduler.setState("every-minute", "PAUSED");
    clock = new Date(clock.getTime() + 3 * 60_000);
    const whilePaused = (await runner.tick()).filter((r) => r.schedule === "every-minute");
    await scheduler.setState("every-minute", "ENABLED");
    clock = new Date(clock.getTime() + 2 * 60_000);
    const resumed = (await runner.tick()).filter((r) => r.schedule === "every-minute");

    expect(whilePaused).toEqual([]);
    expect(resumed).toHaveLength(1);
    expect(resumed[0]?.skipped).toBe(1); // two fire times in the window: the latest is sent, one skipped
    const at = new Date(resumed[0]?.scheduledTime ?? "");
    await notified(jobOfScheduledRun(scheduledRunOf(schedule, at), KEY).jobId);

    // A restart after ten minutes down: the new runner reads the last tick and catches up once, not ten times.
    clock = new Date(clock.getTime() + 10 * 60_000);
    const restarted = new ScheduleRunner({ ...runnerOptions(), now: () => clock });
    const caughtUp = (await restarted.tick()).filter((r) => r.schedule === "every-minute");
    expect(caughtUp).toHaveLength(1);
    expect(caughtUp[0]?.skipped).toBe(9);
    await scheduler.delete("every-minute");
  }, 60_000);

  it("run-now sends one run, whose job runs to ReportNotified", async () => {
    const { ctx, out } = cli();

    const code = await run(
      ["schedule", "run-now", "due-soon", "--prefix", t.provisioned.topology.prefix],
      ctx,
    );

    expect(code).toBe(0);
    expect(out).toHaveLength(1);
    const line = JSON.parse(out[0] ?? "{}") as { status: string; scheduledTime: string };
    expect(line.status).toBe("sent");
    const schedule = (await scheduler.get("due-soon"))?.schedule as Schedule;
    await notified(jobOfScheduledRun(scheduledRunOf(schedule, new Date(line.scheduledTime)), KEY).jobId);
  }, 60_000);

  it("a backfill over 7 days, run twice, makes exactly 7 reports", async () => {
    const schedule = parseSchedule({
      name: "nightly-sales",
      expression: "cron(30 2 * * ? *)",
      timezone: "Europe/Berlin",
      job: { reportType: "sales", parameters: { from: "{{previous_day.from}}", to: "{{previous_day.to}}" } },
    });
    await scheduler.create(schedule, target);
    const argv = ["schedule", "backfill", "nightly-sales", "--from", "2025-07-02", "--to", "2025-07-08"];
    const prefixArgs = ["--prefix", t.provisioned.topology.prefix];

    const first = cli();
    expect(await run([...argv, ...prefixArgs], first.ctx)).toBe(0);
    const jobIds = first.out.map((l) => {
      const { scheduledTime } = JSON.parse(l) as { scheduledTime: string };
      return jobOfScheduledRun(scheduledRunOf(schedule, new Date(scheduledTime)), KEY).jobId;
    });
    for (const id of jobIds) await notified(id, 60_000);
    const second = cli();
    expect(await run([...argv, ...prefixArgs], second.ctx)).toBe(0);
    // Let the worker take the second round (duplicates: no query, no new object) before counting.
    await eventually(
      async () => {
        const out = await t.clients.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: t.provisioned.jobs.queueUrl,
            AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
          }),
        );
        const a = out.Attributes ?? {};
        return Number(a.ApproximateNumberOfMessages) + Number(a.ApproximateNumberOfMessagesNotVisible) === 0
          ? true
          : undefined;
      },
      "the jobs queue to drain",
      60_000,
    );
    await new Promise((r) => setTimeout(r, 3000));

    const listed = await t.clients.s3.send(
      new ListObjects({ Bucket: t.provisioned.bucket, Prefix: "reports/sales/sched-nightly-sales-" }),
    );
    expect(first.out).toHaveLength(7);
    expect(second.out).toHaveLength(7);
    expect(new Set(jobIds).size).toBe(7);
    expect((listed.Contents ?? []).map((o) => o.Key?.split("_")[0]).sort()).toEqual(
      jobIds.map((id) => `reports/sales/${id}`).sort(),
    );
    const { ctx, out } = cli();
    expect(await run(["schedule", "show", "nightly-sales", "--json", ...prefixArgs], ctx)).toBe(0);
    expect(JSON.parse(out[0] ?? "{}")).toMatchObject({ name: "nightly-sales", runs: 7 });
  }, 240_000);
});
