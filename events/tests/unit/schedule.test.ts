import { describe, expect, it } from "vitest";
import { ValidationError } from "#events/errors.js";
import { jobContentHash } from "#events/report-job-message.js";
import {
  jobOfScheduledRun,
  parseSchedule,
  SCHEDULE_EXAMPLE,
  SCHEDULED_RUN_EXAMPLE,
  scheduledRunOf,
  scheduleTargetInput,
} from "#events/schedule.schema.js";
import { localDate, periodRange, zonedInstant } from "#events/schedule-period.js";
import { fireTimesBetween, nextFireTimes, scheduleExpressionProblem } from "#events/schedule-time.js";

const KEY = "k".repeat(32);
const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

function rejectionOf(input: unknown): ValidationError {
  try {
    parseSchedule(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

describe("fire times of a 02:30 daily run across DST (EventBridge Scheduler's rule)", () => {
  const daily = (timezone: string) => ({ expression: "cron(30 2 * * ? *)", timezone });

  it.each([
    // zone, the local days around the change, the runs (UTC)
    [
      "Europe/Berlin spring forward (2025-03-30, 02:00 -> 03:00): skipped that day",
      "Europe/Berlin",
      "2025-03-29T00:00:00Z",
      ["2025-03-29T01:30:00.000Z", "2025-03-31T00:30:00.000Z", "2025-04-01T00:30:00.000Z"],
    ],
    [
      "Europe/Berlin fall back (2025-10-26, 03:00 -> 02:00): once, at the first 02:30 (CEST)",
      "Europe/Berlin",
      "2025-10-25T00:00:00Z",
      ["2025-10-25T00:30:00.000Z", "2025-10-26T00:30:00.000Z", "2025-10-27T01:30:00.000Z"],
    ],
    [
      "America/New_York spring forward (2025-03-09, 02:00 -> 03:00): skipped that day",
      "America/New_York",
      "2025-03-08T00:00:00Z",
      ["2025-03-08T07:30:00.000Z", "2025-03-10T06:30:00.000Z", "2025-03-11T06:30:00.000Z"],
    ],
    [
      "America/New_York fall back (2025-11-02, 02:00 -> 01:00): 02:30 exists once, runs once (EST)",
      "America/New_York",
      "2025-11-01T00:00:00Z",
      ["2025-11-01T06:30:00.000Z", "2025-11-02T07:30:00.000Z", "2025-11-03T07:30:00.000Z"],
    ],
  ])("%s", (_name, timezone, after, expected) => {
    const runs = nextFireTimes(daily(timezone), new Date(after), 3);

    expect(iso(runs)).toEqual(expected);
  });

  it("a range over a spring-forward day has one run fewer than it has days", () => {
    const runs = fireTimesBetween(
      daily("Europe/Berlin"),
      new Date("2025-03-28T00:00:00Z"),
      new Date("2025-04-02T00:00:00Z"),
    );

    expect(runs.map((d) => localDate(d, "Europe/Berlin"))).toEqual([
      "2025-03-28",
      "2025-03-29",
      "2025-03-31",
      "2025-04-01",
    ]);
  });

  it("a 15-minute cron runs through the repeated hour of a fall-back day, as the wall clock does", () => {
    const runs = nextFireTimes(
      { expression: "cron(0/15 * * * ? *)", timezone: "Europe/Berlin" },
      new Date("2025-10-26T00:40:00Z"),
      3,
    );

    expect(iso(runs)).toEqual([
      "2025-10-26T00:45:00.000Z",
      "2025-10-26T01:00:00.000Z",
      "2025-10-26T01:15:00.000Z",
    ]);
  });

  it("reads AWS cron fields: day-of-week 1-7 from Sunday, names, year", () => {
    const weekdays = nextFireTimes(
      { expression: "cron(0 8 ? * MON-FRI 2026)", timezone: "UTC" },
      new Date("2026-12-30T12:00:00Z"),
      5,
    );
    const sundays = nextFireTimes(
      { expression: "cron(0 8 ? * 1 *)", timezone: "UTC" },
      new Date("2025-08-01"),
      1,
    );

    expect(iso(weekdays)).toEqual(["2026-12-31T08:00:00.000Z"]); // 2027 is outside the year field
    expect(iso(sundays)).toEqual(["2025-08-03T08:00:00.000Z"]);
  });

  it("rate() counts fixed durations from its start; at() fires once at a local time", () => {
    const rate = nextFireTimes(
      { expression: "rate(6 hours)", timezone: "Europe/Berlin", startDate: new Date("2025-08-01T01:00:00Z") },
      new Date("2025-08-01T02:00:00Z"),
      2,
    );
    const at = nextFireTimes(
      { expression: "at(2025-08-03T06:00:00)", timezone: "America/New_York" },
      new Date(0),
      5,
    );

    expect(iso(rate)).toEqual(["2025-08-01T07:00:00.000Z", "2025-08-01T13:00:00.000Z"]);
    expect(iso(at)).toEqual(["2025-08-03T10:00:00.000Z"]);
  });

  it.each([
    ["cron(0 6 * * * *)", "exactly one of day-of-month and day-of-week must be '?'"],
    ["cron(0 6 * *)", "6 fields"],
    ["cron(0 25 * * ? *)", "hour"],
    ["rate(5 weeks)", "minutes, hours or days"],
    ["rate(0 minutes)", "positive"],
    ["at(2025-02-30T06:00:00)", "not a real date"],
    ["every day", "must be cron("],
  ])("refuses %s", (expression, problem) => {
    expect(scheduleExpressionProblem(expression)).toContain(problem);
  });
});

describe("period placeholders resolve in the schedule's time zone", () => {
  const run = (timezone: string, scheduledTime: string, period: string) =>
    jobOfScheduledRun(
      {
        scheduledRun: {
          schedule: "s1",
          timezone,
          scheduledTime,
          job: {
            reportType: "sales",
            parameters: { from: `{{${period}.from}}`, to: `{{${period}.to}}` },
          },
        },
      },
      KEY,
    ).parameters as { from: string; to: string };

  it.each([
    // 22:30 UTC on 2 Aug is already 3 Aug in Berlin, still 2 Aug in New York
    ["previous_day", "Europe/Berlin", "2025-08-02T22:30:00Z", "2025-08-02", "2025-08-02"],
    ["previous_day", "America/New_York", "2025-08-02T22:30:00Z", "2025-08-01", "2025-08-01"],
    ["previous_day", "UTC", "2025-08-02T22:30:00Z", "2025-08-01", "2025-08-01"],
    // Monday 00:30 in Berlin is still Sunday in UTC: last week there, the week before in UTC
    ["previous_week", "Europe/Berlin", "2025-08-03T22:30:00Z", "2025-07-28", "2025-08-03"],
    ["previous_week", "UTC", "2025-08-03T22:30:00Z", "2025-07-21", "2025-07-27"],
    // 1 September 01:30 in Berlin, 31 August 19:30 in New York
    ["previous_month", "Europe/Berlin", "2025-08-31T23:30:00Z", "2025-08-01", "2025-08-31"],
    ["previous_month", "America/New_York", "2025-08-31T23:30:00Z", "2025-07-01", "2025-07-31"],
    // the Berlin run that fires after a spring-forward night still covers the calendar day before
    ["previous_day", "Europe/Berlin", "2025-03-31T00:30:00Z", "2025-03-30", "2025-03-30"],
  ])("%s in %s at %s covers %s..%s", (period, timezone, at, from, to) => {
    expect(run(timezone, at, period)).toEqual({ from, to, granularity: "day", limit: 100 });
  });

  it("periodRange: weeks run Monday to Sunday, months to their last day (leap years too)", () => {
    expect(periodRange("previous_week", "2025-08-04")).toEqual({ from: "2025-07-28", to: "2025-08-03" });
    expect(periodRange("previous_week", "2025-08-10")).toEqual({ from: "2025-07-28", to: "2025-08-03" });
    expect(periodRange("previous_month", "2024-03-15")).toEqual({ from: "2024-02-01", to: "2024-02-29" });
    expect(periodRange("previous_month", "2025-01-01")).toEqual({ from: "2024-12-01", to: "2024-12-31" });
  });

  it("zonedInstant maps a local time to its instant, a skipped one to an hour later", () => {
    expect(zonedInstant("2025-08-03T00:00:00", "Europe/Berlin").toISOString()).toBe(
      "2025-08-02T22:00:00.000Z",
    );
    expect(zonedInstant("2025-03-30T02:30:00", "Europe/Berlin").toISOString()).toBe(
      "2025-03-30T01:30:00.000Z",
    );
    expect(zonedInstant("2025-10-26T02:30:00", "Europe/Berlin").toISOString()).toBe(
      "2025-10-26T00:30:00.000Z",
    );
  });
});

describe("the job of a scheduled run", () => {
  it("is one job per schedule and period, whatever time of the day it fires or who sends it", () => {
    const schedule = parseSchedule(SCHEDULE_EXAMPLE);

    const nightly = jobOfScheduledRun(scheduledRunOf(schedule, new Date("2025-08-03T00:30:00Z")), KEY);
    const runNow = jobOfScheduledRun(scheduledRunOf(schedule, new Date("2025-08-03T15:12:00Z")), KEY);
    const nextDay = jobOfScheduledRun(scheduledRunOf(schedule, new Date("2025-08-04T00:30:00Z")), KEY);

    expect(runNow.jobId).toBe(nightly.jobId);
    expect(jobContentHash(runNow)).toBe(jobContentHash(nightly)); // a duplicate, not a JOB_ID_CONFLICT
    expect(nextDay.jobId).not.toBe(nightly.jobId);
    expect(nightly.jobId).toMatch(/^sched-daily-sales-[0-9a-f]{32}$/);
    expect(nightly).toMatchObject({
      requestedAt: "2025-08-02T22:00:00.000Z", // local midnight after the period (Berlin, CEST)
      requestedBy: "schedule:daily-sales",
      format: "csv",
    });
  });

  it("is keyed with the secret, and another template for the same period gets another id", () => {
    const a = jobOfScheduledRun(SCHEDULED_RUN_EXAMPLE, KEY);
    const otherKey = jobOfScheduledRun(SCHEDULED_RUN_EXAMPLE, "x".repeat(32));
    const otherFormat = jobOfScheduledRun(
      {
        scheduledRun: {
          ...SCHEDULED_RUN_EXAMPLE.scheduledRun,
          job: { ...SCHEDULE_EXAMPLE.job, format: "json" },
        },
      },
      KEY,
    );

    expect(otherKey.jobId).not.toBe(a.jobId);
    expect(otherFormat.jobId).not.toBe(a.jobId);
  });

  it("a template without placeholders makes one job per fire time", () => {
    const schedule = parseSchedule({ ...SCHEDULE_EXAMPLE, job: { reportType: "connectivity_test" } });

    const first = jobOfScheduledRun(scheduledRunOf(schedule, new Date("2025-08-03T00:30:00Z")), KEY);
    const second = jobOfScheduledRun(scheduledRunOf(schedule, new Date("2025-08-03T00:31:00Z")), KEY);

    expect(first.jobId).not.toBe(second.jobId);
    expect(first.requestedAt).toBe("2025-08-03T00:30:00.000Z");
  });

  it("the target input is the run with Scheduler's scheduled-time attribute to fill", () => {
    const input = scheduleTargetInput(parseSchedule(SCHEDULE_EXAMPLE));
    const filled = input.replace("<aws.scheduler.scheduled-time>", "2025-08-03T00:30:00Z");

    expect(jobOfScheduledRun(JSON.parse(filled), KEY)).toEqual(jobOfScheduledRun(SCHEDULED_RUN_EXAMPLE, KEY));
  });

  it.each([
    [
      { scheduledRun: { ...SCHEDULED_RUN_EXAMPLE.scheduledRun, timezone: "Mars/Olympus" } },
      "scheduledRun.timezone",
    ],
    [
      { scheduledRun: { ...SCHEDULED_RUN_EXAMPLE.scheduledRun, scheduledTime: "yesterday" } },
      "scheduledRun.scheduledTime",
    ],
    [{ scheduledRun: { ...SCHEDULED_RUN_EXAMPLE.scheduledRun, schedule: "../x" } }, "scheduledRun.schedule"],
    [
      {
        scheduledRun: {
          ...SCHEDULED_RUN_EXAMPLE.scheduledRun,
          job: { reportType: "sales", parameters: { from: "{{previous_day.from}}" } },
        },
      },
      "scheduledRun.job.parameters.to",
    ],
    [{ scheduledRun: { ...SCHEDULED_RUN_EXAMPLE.scheduledRun, extra: 1 } }, "scheduledRun"],
  ])("a bad run is refused naming the field (%#)", (message, field) => {
    let error: unknown;
    try {
      jobOfScheduledRun(message, KEY);
    } catch (e) {
      error = e;
    }

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fields).toContain(field);
  });
});

describe("ScheduleSchema", () => {
  it("accepts its example with defaults (ENABLED, no flexible window)", () => {
    const { state, flexibleWindowMinutes, ...rest } = SCHEDULE_EXAMPLE;

    expect(parseSchedule(rest)).toMatchObject({ state: "ENABLED", flexibleWindowMinutes: 0 });
  });

  it.each([
    [{ name: "a b" }, "name"],
    [{ name: "x".repeat(41) }, "name"],
    [{ expression: "cron(0 6 * * * *)" }, "expression"],
    [{ timezone: "Mars/Olympus" }, "timezone"],
    [{ timezone: "+02:00" }, "timezone"],
    [{ state: "STOPPED" }, "state"],
    [{ flexibleWindowMinutes: 1441 }, "flexibleWindowMinutes"],
    [{ job: { reportType: "nope" } }, "job.reportType"],
    [
      {
        job: {
          reportType: "sales",
          parameters: { from: "{{previous_day.from}}", to: "{{previous_month.to}}" },
        },
      },
      "job.parameters",
    ],
    [
      { job: { reportType: "sales", parameters: { from: "2025-08-01", to: "2025-07-01" } } },
      "job.parameters.to",
    ],
    [{ job: { reportType: "sales", jobId: "X", parameters: {} } }, "job"],
    [{ extra: true }, "(root)"],
  ])("refuses %j naming %s", (change, field) => {
    const error = rejectionOf({ ...SCHEDULE_EXAMPLE, ...change });

    expect(error.fields).toContain(field);
    expect(error.message).toContain(`${field}:`);
  });
});
