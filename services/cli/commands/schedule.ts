/**
 * `reports schedule create|list|show|pause|resume|delete|run-now|backfill`: report schedules on
 * EventBridge Scheduler, in the stack's schedule group, each targeting the jobs queue (retry policy, DLQ).
 *
 * `run-now` and `backfill` send the scheduled runs the schedule would have sent for those fire times; the
 * worker derives each run's job id from the schedule's name, the period and the job (keyed with the
 * project's secret), so a period run twice is one job and re-running a backfill creates nothing twice.
 * `list`/`show` compute the next fire times (croner, EventBridge's DST rule) and read the last runs from
 * the audit trail.
 */
import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { Command } from "commander";
import { isAwsNotFound } from "#events/aws-errors.js";
import { ValidationError } from "#events/errors.js";
import {
  ReportScheduler,
  type StoredSchedule,
  scheduleTargetOf,
  type UnreadableSchedule,
} from "#events/report-scheduler.js";
import { runPeriod, type Schedule, scheduledRunOf } from "#events/schedule.schema.js";
import { fireTimesBetween, nextFireTimes } from "#events/schedule-time.js";
import { submitScheduledRun } from "#events/submit-report-job.js";
import type { Topology } from "#events/topology.js";
import { S3AuditTrail } from "#services/status/s3-audit-trail.js";
import { lastScheduleRuns } from "#services/status/schedule-runs.js";
import type { CliContext } from "../context.js";
import { TargetNotFoundError } from "../errors.js";
import {
  backfillRange,
  MAX_BACKFILL_RUNS,
  type ScheduleCreateOptions,
  scheduleFromOptions,
  scheduleNameArg,
} from "../schedule-args.js";
import { bucketFor, resolveQueueUrl, topologyFor } from "../target.js";
import { addTargetOptions, type TargetCliOptions } from "./target-options.js";

interface ScheduleCliOptions extends TargetCliOptions {
  bucket?: string;
  json?: boolean;
}

/** How many next fire times `list` and `show` print. */
const NEXT_RUNS = 3;
/** How many last runs `show` prints (`list`: 1). */
const LAST_RUNS = 5;

function scheduler(ctx: CliContext, options: ScheduleCliOptions): { s: ReportScheduler; topology: Topology } {
  const topology = topologyFor(options, ctx.env);
  return {
    s: new ReportScheduler(ctx.aws(options.endpointUrl).scheduler, topology.schedules.groupName),
    topology,
  };
}

async function required(s: ReportScheduler, name: string): Promise<StoredSchedule> {
  const stored = await s.get(name);
  if (!stored) throw new TargetNotFoundError(`no schedule "${name}" in schedule group ${s.groupName}`);
  return stored;
}

async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
  );
  const arn = out.Attributes?.QueueArn;
  if (!arn) throw new Error(`GetQueueAttributes ${queueUrl} returned no QueueArn`);
  return arn;
}

async function dlqUrl(sqs: SQSClient, topology: Topology): Promise<string> {
  try {
    const out = await sqs.send(new GetQueueUrlCommand({ QueueName: topology.jobs.dlqName }));
    if (!out.QueueUrl) throw new Error("GetQueueUrl returned no QueueUrl");
    return out.QueueUrl;
  } catch (error) {
    if (isAwsNotFound(error))
      throw new TargetNotFoundError(`jobs DLQ "${topology.jobs.dlqName}" does not exist: check --prefix`, {
        cause: error,
      });
    throw error;
  }
}

const timingOf = (stored: StoredSchedule) => ({
  expression: stored.schedule.expression,
  timezone: stored.schedule.timezone,
  ...(stored.creationDate ? { startDate: stored.creationDate } : {}),
});

/** What `list` / `show` report of one schedule. */
async function describe(
  ctx: CliContext,
  options: ScheduleCliOptions,
  stored: StoredSchedule,
  lastRuns: number,
) {
  const { schedule } = stored;
  const next =
    schedule.state === "ENABLED"
      ? nextFireTimes(timingOf(stored), ctx.now(), NEXT_RUNS).map((d) => d.toISOString())
      : [];
  const trail = new S3AuditTrail(ctx.aws(options.endpointUrl).s3, bucketFor(options, ctx.env));
  const { total, runs } = await lastScheduleRuns(trail, schedule.name, lastRuns);
  return {
    ...schedule,
    nextFireTimes: next,
    runs: total,
    lastRuns: runs.map((r) => ({
      jobId: r.jobId,
      state: r.state,
      started: r.timestamps.started,
      ...(r.finalKey ? { finalKey: r.finalKey } : {}),
      ...(r.error ? { error: r.error.code } : {}),
    })),
  };
}

type Described = Awaited<ReturnType<typeof describe>>;

function humanLines(d: Described): string[] {
  const lines = [
    `${d.name}  ${d.state}  ${d.expression} ${d.timezone}  ${d.job.reportType}${d.job.format ? ` (${d.job.format})` : ""}`,
    `  next: ${d.nextFireTimes.length > 0 ? d.nextFireTimes.join(", ") : d.state === "PAUSED" ? "(paused)" : "(none)"}`,
    `  runs: ${d.runs}${d.lastRuns.length > 0 ? "; last:" : ""}`,
  ];
  for (const r of d.lastRuns)
    lines.push(`    ${r.started ?? "-"}  ${r.state}  ${r.jobId}${r.error ? `  ${r.error}` : ""}`);
  return lines;
}

function addOptions(command: Command): Command {
  return addTargetOptions(command, { queue: true }).option(
    "--bucket <name>",
    "reports bucket with the audit trail (env REPORTS_BUCKET; instead of deriving it from the prefix)",
  );
}

export function registerSchedule(program: Command, ctx: CliContext): Command {
  const group = program
    .command("schedule")
    .summary("manage report schedules (EventBridge Scheduler): create, pause, run now, backfill")
    .description(
      "Report schedules on EventBridge Scheduler, in the stack's schedule group; each sends its runs to the jobs queue (retries for an hour, then the jobs DLQ). " +
        "Expressions: cron(m h dom mon dow year), rate(n minutes|hours|days), at(yyyy-mm-ddThh:mm:ss), evaluated in the schedule's IANA time zone. " +
        'Job parameters may be period placeholders resolved when the run fires, in that zone: "{{previous_day.from}}", "{{previous_week.to}}", "{{previous_month.from}}", ...\n\n' +
        "Exit codes: 0 ok; 1 AWS refused a call or no such schedule; 2 invalid input (the flag or field is named).",
    );

  addOptions(
    group
      .command("create")
      .summary("create a schedule from flags or a schedule JSON file")
      .option("--file <path>", "the schedule as JSON (schema: events/generated/schedule.schema.json)")
      .option("--name <name>", "schedule name, [A-Za-z0-9_-]{1,40}")
      .option("--expression <expr>", 'e.g. "cron(30 2 * * ? *)", "rate(1 day)", "at(2025-08-03T06:00:00)"')
      .option("--timezone <zone>", 'IANA time zone, e.g. "Europe/Berlin"')
      .option("--type <reportType>", "report type")
      .option(
        "--params <json>",
        'report parameters as JSON, e.g. \'{"from":"{{previous_day.from}}","to":"{{previous_day.to}}"}\'',
      )
      .option("--format <format>", "json | csv | ndjson")
      .option("--paused", "create it paused")
      .option(
        "--flexible-window <minutes>",
        "fire anywhere within this many minutes after the time (default 0: exactly)",
      )
      .option("--description <text>", "what it is for"),
  ).action(async (options: ScheduleCreateOptions & ScheduleCliOptions) => {
    const schedule = scheduleFromOptions(options, ctx.readFile);
    const { s, topology } = scheduler(ctx, options);
    const sqs = ctx.aws(options.endpointUrl).sqs;
    const jobsUrl = await resolveQueueUrl(sqs, options, ctx.env);
    const target = scheduleTargetOf(
      topology,
      await queueArn(sqs, jobsUrl),
      await queueArn(sqs, await dlqUrl(sqs, topology)),
    );
    await s.ensureGroup();
    if (await s.get(schedule.name).catch(() => undefined))
      throw new ValidationError(`--name: a schedule "${schedule.name}" exists already in ${s.groupName}`, {
        fields: ["--name"],
      });
    await s.create(schedule, target);
    const next = nextFireTimes(
      { expression: schedule.expression, timezone: schedule.timezone, startDate: ctx.now() },
      ctx.now(),
      NEXT_RUNS,
    );
    ctx.out(
      JSON.stringify({
        name: schedule.name,
        status: "created",
        state: schedule.state,
        group: s.groupName,
        nextFireTimes: next.map((d) => d.toISOString()),
      }),
    );
  });

  addOptions(
    group
      .command("list")
      .summary("every schedule with its next fire times and last run")
      .option("--json", "one JSON line per schedule"),
  ).action(async (options: ScheduleCliOptions) => {
    const { s } = scheduler(ctx, options);
    const all = await s.list();
    if (all.length === 0) ctx.err(`no schedules in ${s.groupName}`);
    for (const entry of all) {
      if ("problem" in entry) {
        const u = entry as UnreadableSchedule;
        ctx.out(
          options.json
            ? JSON.stringify({ name: u.name, problem: u.problem })
            : `${u.name}  (not a report schedule: ${u.problem})`,
        );
        continue;
      }
      const d = await describe(ctx, options, entry, 1);
      if (options.json) ctx.out(JSON.stringify(d));
      else for (const line of humanLines(d)) ctx.out(line);
    }
  });

  addOptions(
    group
      .command("show")
      .summary("one schedule: definition, next fire times, last runs (audit trail)")
      .argument("<name>", "schedule name")
      .option("--json", "one JSON line"),
  ).action(async (name: string, options: ScheduleCliOptions) => {
    const checked = scheduleNameArg(name);
    const { s } = scheduler(ctx, options);
    const d = await describe(ctx, options, await required(s, checked), LAST_RUNS);
    if (options.json) ctx.out(JSON.stringify(d));
    else for (const line of humanLines(d)) ctx.out(line);
  });

  for (const [verb, state, summary] of [
    ["pause", "PAUSED", "stop firing, keep the schedule"],
    ["resume", "ENABLED", "fire again (missed fire times are not made up: backfill them)"],
  ] as const) {
    addOptions(group.command(verb).summary(summary).argument("<name>", "schedule name")).action(
      async (name: string, options: ScheduleCliOptions) => {
        const checked = scheduleNameArg(name);
        const { s } = scheduler(ctx, options);
        const updated = await s.setState(checked, state);
        if (!updated) throw new TargetNotFoundError(`no schedule "${name}" in schedule group ${s.groupName}`);
        ctx.out(JSON.stringify({ name, status: verb === "pause" ? "paused" : "resumed", state }));
      },
    );
  }

  addOptions(
    group
      .command("delete")
      .summary("delete a schedule (its reports stay)")
      .argument("<name>", "schedule name"),
  ).action(async (name: string, options: ScheduleCliOptions) => {
    const checked = scheduleNameArg(name);
    const { s } = scheduler(ctx, options);
    if (!(await s.delete(checked)))
      throw new TargetNotFoundError(`no schedule "${name}" in schedule group ${s.groupName}`);
    ctx.out(JSON.stringify({ name, status: "deleted" }));
  });

  addOptions(
    group
      .command("run-now")
      .summary("send the run the schedule would send now (paused or not)")
      .argument("<name>", "schedule name"),
  ).action(async (name: string, options: ScheduleCliOptions) => {
    const checked = scheduleNameArg(name);
    const { s } = scheduler(ctx, options);
    const stored = await required(s, checked);
    const queueUrl = await resolveQueueUrl(ctx.aws(options.endpointUrl).sqs, options, ctx.env);
    await sendRuns(ctx, options, queueUrl, stored.schedule, [ctx.now()]);
  });

  addOptions(
    group
      .command("backfill")
      .summary(
        "send the runs the schedule would have sent in a past range (re-running it creates nothing twice)",
      )
      .argument("<name>", "schedule name")
      .requiredOption("--from <date>", "first day (YYYY-MM-DD in the schedule's zone) or an ISO date-time")
      .requiredOption("--to <date>", "last day (included) or an ISO date-time")
      .option("--dry-run", "print the runs, send nothing"),
  ).action(
    async (name: string, options: ScheduleCliOptions & { from?: string; to?: string; dryRun?: boolean }) => {
      const checked = scheduleNameArg(name);
      backfillRange(options.from, options.to, "UTC"); // the flags' syntax, before any AWS call
      const { s } = scheduler(ctx, options);
      const stored = await required(s, checked);
      const range = backfillRange(options.from, options.to, stored.schedule.timezone);
      const times = fireTimesBetween(timingOf(stored), range.from, range.to, MAX_BACKFILL_RUNS + 1);
      if (times.length > MAX_BACKFILL_RUNS)
        throw new ValidationError(
          `--to: the range has more than ${MAX_BACKFILL_RUNS} fire times; backfill it in parts`,
          {
            fields: ["--to"],
          },
        );
      // Fire times of one period are one job: send each period once.
      const byPeriod = new Map<string, Date>();
      for (const t of times) {
        const period = runPeriod({
          timezone: stored.schedule.timezone,
          scheduledTime: t.toISOString(),
          job: stored.schedule.job,
        });
        if (!byPeriod.has(period)) byPeriod.set(period, t);
      }
      const runs = [...byPeriod.values()];
      if (options.dryRun) {
        for (const t of runs) ctx.out(JSON.stringify(runLine(stored.schedule, t, { status: "planned" })));
        ctx.err(`${runs.length} run(s) planned, none sent (--dry-run)`);
        return;
      }
      const queueUrl = await resolveQueueUrl(ctx.aws(options.endpointUrl).sqs, options, ctx.env);
      await sendRuns(ctx, options, queueUrl, stored.schedule, runs);
      ctx.err(
        `${runs.length} run(s) sent for ${options.from}..${options.to}; periods already run are duplicates the worker skips`,
      );
    },
  );
  return group;
}

function runLine(schedule: Schedule, at: Date, rest: Record<string, unknown>) {
  const scheduledTime = at.toISOString();
  return {
    schedule: schedule.name,
    scheduledTime,
    period: runPeriod({ timezone: schedule.timezone, scheduledTime, job: schedule.job }),
    ...rest,
  };
}

async function sendRuns(
  ctx: CliContext,
  options: ScheduleCliOptions,
  queueUrl: string,
  schedule: Schedule,
  times: Date[],
) {
  const sqs = ctx.aws(options.endpointUrl).sqs;
  for (const at of times) {
    const { messageId } = await submitScheduledRun(sqs, queueUrl, scheduledRunOf(schedule, at));
    ctx.out(JSON.stringify(runLine(schedule, at, { status: "sent", messageId })));
  }
}
