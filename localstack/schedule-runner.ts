/**
 * The local schedule runner: a stand-in for what LocalStack lacks (like fakesnow), since LocalStack's
 * EventBridge Scheduler stores schedules but never fires them. It reads the schedules of the stack's group
 * from LocalStack's Scheduler API and, at their fire times (events/schedule-time.ts: croner, EventBridge's
 * DST rule), sends the scheduled run Scheduler would send to the jobs queue; the worker derives the job and
 * its id exactly as for a production run.
 *
 *   tsx localstack/schedule-runner.ts        (REPORTS_PREFIX, AWS_ENDPOINT_URL from the environment)
 *
 * Missed-window policy: **at most one catch-up run per schedule.** Each tick covers the time since the
 * last one; when a schedule had several fire times in it (the runner was down, or the machine slept) only
 * the latest is sent, the older ones are skipped (`reports schedule backfill` sends them on purpose).
 * The last tick is kept in `.local/schedule-runner.json`, so a restart catches up once; without that file
 * (a first start) nothing before the start is run. A paused schedule's fire times are skipped, not made up
 * on resume — as EventBridge Scheduler does. Runs are idempotent (derived job ids), so the catch-up of a
 * period that did run is a duplicate the worker skips. The flexible window is not simulated: runs go at
 * the fire time.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { GetQueueUrlCommand } from "@aws-sdk/client-sqs";
import { ReportScheduler } from "#events/report-scheduler.js";
import { scheduledRunOf } from "#events/schedule.schema.js";
import { fireTimesBetween } from "#events/schedule-time.js";
import { submitScheduledRun } from "#events/submit-report-job.js";
import { buildTopology, type Topology } from "#events/topology.js";
import { type AwsClients, createAwsClients } from "#services/shared/aws.js";
import { createLogger, type Logger } from "#services/shared/logger.js";
import { REPO_ROOT } from "./local-aws.js";

export const RUNNER_STATE_FILE = join(REPO_ROOT, ".local", "schedule-runner.json");

export interface ScheduleRunnerOptions {
  clients: AwsClients;
  topology: Topology;
  logger: Logger;
  /** Where the last tick is kept (default .local/schedule-runner.json); undefined state: no catch-up. */
  stateFile?: string;
  now?: () => Date;
}

/** What one tick sent: schedule name and scheduled time. */
export interface SentRun {
  schedule: string;
  scheduledTime: string;
  skipped: number;
}

export class ScheduleRunner {
  private readonly scheduler: ReportScheduler;
  private readonly now: () => Date;
  private readonly stateFile: string;
  private last: Date;
  private queueUrl: string | undefined;

  constructor(private readonly options: ScheduleRunnerOptions) {
    this.scheduler = new ReportScheduler(options.clients.scheduler, options.topology.schedules.groupName);
    this.now = options.now ?? (() => new Date());
    this.stateFile = options.stateFile ?? RUNNER_STATE_FILE;
    this.last = this.readState() ?? this.now();
  }

  private readState(): Date | undefined {
    if (!existsSync(this.stateFile)) return undefined;
    try {
      const t = new Date(
        (JSON.parse(readFileSync(this.stateFile, "utf8")) as { lastTick?: string }).lastTick ?? "",
      );
      return Number.isNaN(t.getTime()) ? undefined : t;
    } catch {
      return undefined;
    }
  }

  private async jobsQueueUrl(): Promise<string> {
    this.queueUrl ??= (
      await this.options.clients.sqs.send(
        new GetQueueUrlCommand({ QueueName: this.options.topology.jobs.queueName }),
      )
    ).QueueUrl;
    if (!this.queueUrl) throw new Error(`no jobs queue ${this.options.topology.jobs.queueName}`);
    return this.queueUrl;
  }

  /** Sends the due runs of (last tick, now]: the latest fire time of each enabled schedule. */
  async tick(): Promise<SentRun[]> {
    const now = this.now();
    const from = new Date(this.last.getTime() + 1);
    const sent: SentRun[] = [];
    for (const entry of await this.scheduler.list()) {
      if ("problem" in entry) continue; // not a report schedule: nothing of ours to send
      const { schedule } = entry;
      if (schedule.state !== "ENABLED") continue;
      const due = fireTimesBetween(
        {
          expression: schedule.expression,
          timezone: schedule.timezone,
          ...(entry.creationDate ? { startDate: entry.creationDate } : {}),
        },
        from,
        now,
      );
      const latest = due.at(-1);
      if (!latest) continue;
      await submitScheduledRun(
        this.options.clients.sqs,
        await this.jobsQueueUrl(),
        scheduledRunOf(schedule, latest),
      );
      const run = { schedule: schedule.name, scheduledTime: latest.toISOString(), skipped: due.length - 1 };
      this.options.logger.info("scheduled run sent", run);
      sent.push(run);
    }
    this.last = now;
    mkdirSync(dirname(this.stateFile), { recursive: true });
    writeFileSync(this.stateFile, `${JSON.stringify({ lastTick: now.toISOString() })}\n`);
    return sent;
  }

  /** Ticks every `intervalMs` until the signal aborts; a failed tick is logged and retried next time. */
  async run(signal: AbortSignal, intervalMs = 1000): Promise<void> {
    while (!signal.aborted) {
      await this.tick().catch((error) =>
        this.options.logger.error("schedule runner tick failed", { error: (error as Error).message }),
      );
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const logger = createLogger({ service: "schedule-runner" });
  const topology = buildTopology(process.env.REPORTS_PREFIX ? { prefix: process.env.REPORTS_PREFIX } : {});
  const runner = new ScheduleRunner({ clients: createAwsClients(), topology, logger });
  const controller = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => controller.abort());
  logger.info("schedule runner started", { group: topology.schedules.groupName });
  await runner.run(controller.signal, Number(process.env.SCHEDULE_RUNNER_TICK_MS ?? 1000));
  process.exit(0);
}
