/**
 * When a schedule fires, computed the way EventBridge Scheduler evaluates its expression, with croner for
 * cron fields, time zones and DST. The same answers feed `reports schedule list/show` (next fire times),
 * backfill (which runs a past range would have had) and the local schedule runner (localstack/).
 *
 * Expressions (EventBridge Scheduler syntax):
 *   cron(minutes hours day-of-month month day-of-week year)   one of the two day fields must be `?`;
 *                                       day-of-week 1-7 = SUN-SAT (or SUN, MON, ...); `L`, `W`, `#` as in AWS
 *   rate(value minutes|hours|days)     every `value` units from the schedule's start (its creation date)
 *   at(yyyy-mm-ddThh:mm:ss)            once, at that local time
 *
 * DST rule (EventBridge Scheduler's, kept here): a cron time that does not exist on a spring-forward day is
 * skipped that day (02:30 daily in Europe/Berlin does not run on 2025-03-30); a time that exists twice on a
 * fall-back day runs once, at its first occurrence (02:30 CEST on 2025-10-26 in Berlin). croner would run
 * the skipped time at the end of the gap (03:00); those runs are dropped. rate() counts fixed durations, so
 * a 1-day rate keeps its UTC rhythm and moves by an hour on the local clock.
 *
 * @example
 * ```ts
 * nextFireTimes({ expression: "cron(30 2 * * ? *)", timezone: "Europe/Berlin" }, new Date("2025-03-29T12:00:00Z"), 2);
 * // [2025-03-31T00:30:00.000Z]... (2025-03-30 has no 02:30)
 * ```
 */
import { Cron } from "croner";
import { zonedInstant } from "./schedule-period.js";

/** What the fire times depend on. */
export interface ScheduleTiming {
  expression: string;
  timezone: string;
  /** Where rate() counts from (EventBridge: the start date, else the creation date); default the epoch. */
  startDate?: Date;
}

type Parsed =
  | { kind: "cron"; cron: Cron }
  | { kind: "rate"; stepMs: number }
  | { kind: "at"; instant: (timezone: string) => Date };

const RATE_UNITS: Record<string, number> = {
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
};

/** Parses an expression; throws an Error whose message says what is wrong with it. */
function parse(expression: string, timezone: string): Parsed {
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron) {
    const fields = (cron[1] ?? "").trim().split(/\s+/);
    if (fields.length !== 6)
      throw new Error(
        `cron() takes 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`,
      );
    const [, , dom, , dow] = fields;
    if ((dom === "?") === (dow === "?"))
      throw new Error("cron(): exactly one of day-of-month and day-of-week must be '?'");
    try {
      return {
        kind: "cron",
        cron: new Cron(`0 ${fields.join(" ")}`, {
          timezone,
          mode: "7-part",
          alternativeWeekdays: true, // AWS numbers days 1-7 from Sunday
          sloppyRanges: true, // AWS writes 0/15 for */15
          paused: true,
        }),
      };
    } catch (error) {
      throw new Error(`cron(): ${(error as Error).message.replace(/^CronPattern: /, "")}`);
    }
  }
  const rate = /^rate\((\d{1,6}) ([a-z]+)\)$/.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    const unit = RATE_UNITS[rate[2] ?? ""];
    if (unit === undefined) throw new Error("rate(): the unit must be minutes, hours or days");
    if (value < 1) throw new Error("rate(): the value must be a positive integer");
    return { kind: "rate", stepMs: value * unit };
  }
  const at = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/.exec(expression);
  if (at) {
    const local = at[1] ?? "";
    if (Number.isNaN(Date.parse(`${local}Z`)) || new Date(`${local}Z`).toISOString().slice(0, 19) !== local)
      throw new Error("at(): not a real date and time");
    return { kind: "at", instant: (tz) => zonedInstant(local, tz) };
  }
  throw new Error(
    "must be cron(m h dom mon dow year), rate(n minutes|hours|days) or at(yyyy-mm-ddThh:mm:ss)",
  );
}

/** What is wrong with `expression`, or undefined when EventBridge Scheduler would accept it. */
export function scheduleExpressionProblem(expression: string): string | undefined {
  try {
    parse(expression, "UTC");
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Every fire time in `[from, to]` (at most `max`, earliest first), after the DST rule above.
 *
 * @example
 * ```ts
 * fireTimesBetween({ expression: "cron(0 6 * * ? *)", timezone: "UTC" }, new Date("2025-08-01"), new Date("2025-08-07T23:59:59Z")).length; // 7
 * ```
 */
export function fireTimesBetween(timing: ScheduleTiming, from: Date, to: Date, max = 10_000): Date[] {
  const parsed = parse(timing.expression, timing.timezone);
  const out: Date[] = [];
  if (parsed.kind === "at") {
    const t = parsed.instant(timing.timezone);
    return t >= from && t <= to ? [t] : [];
  }
  if (parsed.kind === "rate") {
    const anchor = timing.startDate?.getTime() ?? 0;
    const first = Math.max(0, Math.ceil((from.getTime() - anchor) / parsed.stepMs));
    for (let k = first; out.length < max; k += 1) {
      const t = anchor + k * parsed.stepMs;
      if (t > to.getTime()) break;
      out.push(new Date(t));
    }
    return out;
  }
  // croner's nextRun is strictly after its argument.
  let cursor = new Date(from.getTime() - 1);
  while (out.length < max) {
    const next = parsed.cron.nextRun(cursor);
    if (!next || next > to) break;
    // croner moves a time skipped by a spring-forward to the end of the gap; EventBridge skips it.
    if (parsed.cron.match(next)) out.push(next);
    cursor = next;
  }
  return out;
}

/** The end of year 9999: no schedule fires later (cron's year field stops there). */
const LAST_INSTANT = new Date(253_402_300_799_000);

/** The next `count` fire times after `after` (fewer when the schedule ends, e.g. an at() in the past). */
export function nextFireTimes(timing: ScheduleTiming, after: Date, count: number): Date[] {
  return fireTimesBetween(timing, new Date(after.getTime() + 1), LAST_INSTANT, count);
}
