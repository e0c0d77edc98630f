/**
 * A report schedule as data: what `reports schedule create` takes, what Pulumi's stack-config schedules
 * become, and what EventBridge Scheduler stores (expression, time zone, state, flexible window, and the
 * job template inside the target input). When a schedule fires, Scheduler sends a **scheduled run** to the
 * jobs queue: the template plus the scheduled time. The worker turns a run into the job it stands for
 * ({@link jobOfScheduledRun}): period placeholders resolved in the schedule's time zone, and a job id
 * derived from the schedule's name, the period and the job's content, keyed with the project's secret, so
 * a re-run of a period (run-now, a backfill run twice, a Scheduler retry) is the same job again.
 *
 * Placeholders: a parameter whose value is exactly `{{previous_day.from}}`, `{{previous_day.to}}`,
 * `{{previous_week.from}}`, ... `{{previous_month.to}}` gets that date of the period before the local date
 * the run fires on (weeks Monday to Sunday). A template uses at most one period.
 *
 * @example
 * ```ts
 * import { parseSchedule } from "#events/schedule.schema.js";
 * const schedule = parseSchedule({ name: "daily-sales", expression: "cron(30 2 * * ? *)", timezone: "Europe/Berlin",
 *   job: { reportType: "sales", parameters: { from: "{{previous_day.from}}", to: "{{previous_day.to}}" } } });
 * ```
 */
import { z } from "zod";
import { derivedJobId } from "./derived-job-id.js";
import { ValidationError } from "./errors.js";
import { SCHEMA_VERSION } from "./names.js";
import {
  DeliverySchema,
  parseWith,
  REPORT_FORMATS,
  REPORT_TYPES,
  type ReportJob,
} from "./report-job.schema.js";
import { prepareReportJob } from "./report-job-message.js";
import {
  addDays,
  isKnownTimeZone,
  localDate,
  PERIODS,
  type Period,
  periodRange,
  zonedInstant,
} from "./schedule-period.js";
import { scheduleExpressionProblem } from "./schedule-time.js";

export const SCHEDULE_STATES = ["ENABLED", "PAUSED"] as const;
export type ScheduleState = (typeof SCHEDULE_STATES)[number];

/** A parameter value that stands for a date of the run's period. */
export const PERIOD_PLACEHOLDER = new RegExp(`^\\{\\{(${PERIODS.join("|")})\\.(from|to)\\}\\}$`);

/** Longest flexible window EventBridge Scheduler accepts, minutes. */
export const MAX_FLEXIBLE_WINDOW_MINUTES = 1440;

/**
 * `[A-Za-z0-9_-]{1,40}`: a valid Scheduler name that fits whole into the derived job ids
 * (`sched-<name>-<hash>`), so a schedule's runs are found by that prefix in the audit trail.
 */
export const ScheduleNameSchema = z
  .string({ error: "must be a string" })
  .regex(/^[A-Za-z0-9_-]{1,40}$/, { error: "must be 1-40 letters, digits, '_' or '-'" });

export const ScheduleExpressionSchema = z
  .string({ error: "must be a string" })
  .max(256, { error: "must be at most 256 characters", abort: true })
  .superRefine((expression, ctx) => {
    const problem = scheduleExpressionProblem(expression);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

/** An IANA time zone name such as "Europe/Berlin" (or "UTC"); offsets like "+02:00" are not zones. */
export const TimeZoneSchema = z
  .string({ error: "must be a string" })
  .regex(/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/, {
    error: 'must be an IANA time zone name such as "Europe/Berlin"',
    abort: true,
  })
  .refine(isKnownTimeZone, { error: 'is not a known IANA time zone (e.g. "Europe/Berlin", "UTC")' });

/** Parameter values: what a report job's parameters hold, or a period placeholder string. */
const TemplateValue = z.union([
  z.string().max(200),
  z.number(),
  z.boolean(),
  z.array(z.union([z.string().max(200), z.number()])).max(50),
]);

const TemplateShape = z.strictObject({
  reportType: z.enum(REPORT_TYPES, { error: `must be one of ${REPORT_TYPES.join(", ")}` }),
  parameters: z.record(z.string().max(64), TemplateValue).optional(),
  format: z.enum(REPORT_FORMATS).optional(),
  delivery: DeliverySchema.optional(),
});
export type JobTemplate = z.input<typeof TemplateShape>;

/** The period a template's placeholders name (one at most), or undefined when it names none. */
export function periodOf(template: JobTemplate): Period | undefined {
  const periods = new Set<Period>();
  for (const value of Object.values(template.parameters ?? {}))
    if (typeof value === "string") {
      const m = PERIOD_PLACEHOLDER.exec(value);
      if (m) periods.add(m[1] as Period);
    }
  if (periods.size > 1) throw new Error(`uses more than one period (${[...periods].join(", ")})`);
  return [...periods][0];
}

/** A sample fire time to check a template against the job schema, as the worker will see it. */
const SAMPLE_FIRE_TIME = new Date("2025-08-03T06:00:00Z");

/**
 * The job template: the report job without the fields filled per run (jobId, requestedAt, requestedBy,
 * correlationId). Checked by resolving it for a sample run and validating the result as a job.
 */
export const JobTemplateSchema = TemplateShape.superRefine((template, ctx) => {
  try {
    periodOf(template);
  } catch (error) {
    ctx.addIssue({ code: "custom", path: ["parameters"], message: (error as Error).message });
    return;
  }
  try {
    resolveRun(
      { schedule: "sample", timezone: "UTC", scheduledTime: SAMPLE_FIRE_TIME.toISOString(), job: template },
      "k",
    );
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    for (const issue of error.message.replace(/^invalid report job: /, "").split("; ")) {
      const [field, ...rest] = issue.split(": ");
      ctx.addIssue({ code: "custom", path: (field ?? "").split("."), message: rest.join(": ") });
    }
  }
});

export const ScheduleSchema = z.strictObject({
  schemaVersion: z.literal(SCHEMA_VERSION).default(SCHEMA_VERSION),
  name: ScheduleNameSchema,
  /** `cron(...)`, `rate(...)` or `at(...)`, EventBridge Scheduler syntax (events/schedule-time.ts). */
  expression: ScheduleExpressionSchema,
  /** The zone the expression and the period placeholders are evaluated in. */
  timezone: TimeZoneSchema,
  job: JobTemplateSchema,
  state: z.enum(SCHEDULE_STATES, { error: "must be ENABLED or PAUSED" }).default("ENABLED"),
  /** 0: fire at the time (Scheduler's mode OFF); n: anywhere in the n minutes after it (FLEXIBLE). */
  flexibleWindowMinutes: z
    .number({ error: "must be a number" })
    .int({ error: "must be an integer" })
    .min(0, { error: "must be at least 0" })
    .max(MAX_FLEXIBLE_WINDOW_MINUTES, { error: `must be at most ${MAX_FLEXIBLE_WINDOW_MINUTES}` })
    .default(0),
  description: z.string().max(512, { error: "must be at most 512 characters" }).optional(),
});
export type Schedule = z.output<typeof ScheduleSchema>;
export type ScheduleInput = z.input<typeof ScheduleSchema>;

/** What EventBridge Scheduler puts where the target input says `<aws.scheduler.scheduled-time>`. */
export const SCHEDULER_SCHEDULED_TIME = "<aws.scheduler.scheduled-time>";

const RunShape = z.strictObject({
  schemaVersion: z.literal(SCHEMA_VERSION).default(SCHEMA_VERSION),
  schedule: ScheduleNameSchema,
  timezone: TimeZoneSchema,
  /** The time the run was due (Scheduler's scheduled time, not when it was delivered). */
  scheduledTime: z.iso.datetime({ offset: true, error: "must be an ISO-8601 date-time" }),
  job: TemplateShape,
});
export type ScheduledRun = z.input<typeof RunShape>;

/** The jobs-queue message a schedule sends: `{"scheduledRun": {...}}` (a job never has that key). */
export const ScheduledRunMessageSchema = z.strictObject({ scheduledRun: RunShape });

export const SCHEDULE_EXAMPLE: ScheduleInput = {
  schemaVersion: SCHEMA_VERSION,
  name: "daily-sales",
  expression: "cron(30 2 * * ? *)",
  timezone: "Europe/Berlin",
  job: {
    reportType: "sales",
    parameters: { from: "{{previous_day.from}}", to: "{{previous_day.to}}", granularity: "day" },
    format: "csv",
  },
  state: "ENABLED",
  flexibleWindowMinutes: 0,
  description: "Yesterday's sales, every night at 02:30 Berlin time",
};

export const SCHEDULED_RUN_EXAMPLE = {
  scheduledRun: {
    schemaVersion: SCHEMA_VERSION,
    schedule: "daily-sales",
    timezone: "Europe/Berlin",
    scheduledTime: "2025-08-03T00:30:00Z",
    job: SCHEDULE_EXAMPLE.job,
  },
} satisfies z.input<typeof ScheduledRunMessageSchema>;

/** Validates a schedule; throws ValidationError naming each offending field. */
export function parseSchedule(input: unknown): Schedule {
  return parseWith(ScheduleSchema, input, "schedule");
}

/** Whether a parsed jobs-queue body is a scheduled run rather than a job. */
export function isScheduledRunMessage(body: unknown): body is { scheduledRun: unknown } {
  return typeof body === "object" && body !== null && !Array.isArray(body) && "scheduledRun" in body;
}

/** The target input a schedule gives EventBridge Scheduler: a run with the scheduled time left to fill. */
export function scheduleTargetInput(schedule: Schedule): string {
  return JSON.stringify({
    scheduledRun: {
      schemaVersion: SCHEMA_VERSION,
      schedule: schedule.name,
      timezone: schedule.timezone,
      scheduledTime: SCHEDULER_SCHEDULED_TIME,
      job: schedule.job,
    },
  });
}

/** The run a schedule makes for one fire time (what Scheduler sends then; run-now and backfill send it too). */
export function scheduledRunOf(schedule: Pick<Schedule, "name" | "timezone" | "job">, at: Date) {
  return {
    scheduledRun: {
      schemaVersion: SCHEMA_VERSION,
      schedule: schedule.name,
      timezone: schedule.timezone,
      scheduledTime: at.toISOString(),
      job: schedule.job,
    },
  };
}

/** `requestedBy` of every job a schedule makes. */
export const scheduleRequestedBy = (name: string) => `schedule:${name}`;
/** The job-id prefix of a schedule's runs (`sched-<name>-`, then the 32-hex hash). */
export const scheduleJobIdPrefix = (name: string) => `sched-${name}-`;

/**
 * The period a run covers, as it enters the job id: `previous_day:2025-08-02` for a template with
 * placeholders (every run on one local day is the same job), else `at:<scheduled time>` (every run its own).
 */
export function runPeriod(run: { timezone: string; scheduledTime: string; job: JobTemplate }): string {
  const period = periodOf(run.job);
  if (!period) return `at:${new Date(run.scheduledTime).toISOString()}`;
  return `${period}:${periodRange(period, localDate(new Date(run.scheduledTime), run.timezone)).from}`;
}

function resolveRun(run: z.output<typeof RunShape> | ScheduledRun, key: string): ReportJob {
  const fired = new Date(run.scheduledTime);
  const period = periodOf(run.job);
  const range = period ? periodRange(period, localDate(fired, run.timezone)) : undefined;
  const parameters = Object.fromEntries(
    Object.entries(run.job.parameters ?? {}).map(([name, value]) => {
      const m = typeof value === "string" ? PERIOD_PLACEHOLDER.exec(value) : null;
      return [name, m && range ? range[m[2] as "from" | "to"] : value];
    }),
  );
  const periodId = runPeriod(run);
  const job = {
    reportType: run.job.reportType,
    ...(run.job.parameters ? { parameters } : {}),
    ...(run.job.format ? { format: run.job.format } : {}),
    ...(run.job.delivery ? { delivery: run.job.delivery } : {}),
  };
  return prepareReportJob({
    ...job,
    jobId: derivedJobId("sched", run.schedule, { schedule: run.schedule, period: periodId, ...job }, key),
    // From the period, not the delivery: run-now, a backfill and Scheduler's own run of one period are one
    // job (same content hash), so none of them is a JOB_ID_CONFLICT of another. With a period: local
    // midnight after its last day; without: the scheduled time.
    requestedAt: (range
      ? zonedInstant(`${addDays(range.to, 1)}T00:00:00`, run.timezone)
      : fired
    ).toISOString(),
    requestedBy: scheduleRequestedBy(run.schedule),
    correlationId: `${run.schedule}:${periodId}`,
  } as Parameters<typeof prepareReportJob>[0]);
}

/**
 * The job a scheduled-run message stands for; throws ValidationError naming the field (prefixed
 * `scheduledRun.`) when the message or the job it resolves to is invalid.
 *
 * @example
 * ```ts
 * jobOfScheduledRun(SCHEDULED_RUN_EXAMPLE, key).parameters; // { from: "2025-08-02", to: "2025-08-02", ... }
 * ```
 */
export function jobOfScheduledRun(message: unknown, key: string): ReportJob {
  const { scheduledRun } = parseWith(ScheduledRunMessageSchema, message, "scheduled run");
  try {
    periodOf(scheduledRun.job);
  } catch (error) {
    throw new ValidationError(
      `invalid scheduled run: scheduledRun.job.parameters: ${(error as Error).message}`,
      {
        fields: ["scheduledRun.job.parameters"],
      },
    );
  }
  try {
    return resolveRun(scheduledRun, key);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(
      `invalid scheduled run: the job it makes is invalid: ${error.message.replace(/^invalid report job: /, "")}`,
      { fields: error.fields.map((f) => `scheduledRun.job.${f}`), cause: error },
    );
  }
}
