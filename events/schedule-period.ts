/**
 * Calendar arithmetic of schedules in a named time zone: the local date of an instant, the report period a
 * run covers ("previous day/week/month" of the local date it fires on) and the instant of a local time.
 * Pure (Intl only, no clock). Weeks run Monday to Sunday (ISO 8601).
 *
 * @example
 * ```ts
 * localDate(new Date("2025-03-30T22:30:00Z"), "Europe/Berlin"); // "2025-03-31" (00:30 CEST)
 * periodRange("previous_week", "2025-08-06"); // { from: "2025-07-28", to: "2025-08-03" }
 * ```
 */

/** The periods a job template's parameters may name. */
export const PERIODS = ["previous_day", "previous_week", "previous_month"] as const;
export type Period = (typeof PERIODS)[number];

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Local wall-clock fields of `instant` in `timeZone` (throws RangeError for an unknown zone). */
function localFields(instant: number, timeZone: string) {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(instant).map((p) => [p.type, p.value]));
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    asUtc: Date.UTC(
      Number(parts.year),
      Number(parts.month) - 1,
      Number(parts.day),
      Number(parts.hour),
      Number(parts.minute),
      Number(parts.second),
    ),
  };
}

/** Whether `timeZone` is a zone Intl knows (IANA names such as "Europe/Berlin", or "UTC"). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    localFields(0, timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The local calendar date (`YYYY-MM-DD`) of `instant` in `timeZone`. */
export function localDate(instant: Date, timeZone: string): string {
  return localFields(instant.getTime(), timeZone).date;
}

/** `date` moved by `days` calendar days. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The period before the one containing `date` (a local date), both ends counted. */
export function periodRange(period: Period, date: string): { from: string; to: string } {
  switch (period) {
    case "previous_day": {
      const day = addDays(date, -1);
      return { from: day, to: day };
    }
    case "previous_week": {
      const weekday = new Date(`${date}T00:00:00Z`).getUTCDay(); // 0 = Sunday
      const monday = addDays(date, -((weekday + 6) % 7));
      return { from: addDays(monday, -7), to: addDays(monday, -1) };
    }
    case "previous_month": {
      const first = `${date.slice(0, 7)}-01`;
      const lastOfPrevious = addDays(first, -1);
      return { from: `${lastOfPrevious.slice(0, 7)}-01`, to: lastOfPrevious };
    }
  }
}

/**
 * The instant at which the local wall clock in `timeZone` shows `local` (`YYYY-MM-DDTHH:MM:SS`). A time
 * that does not exist (skipped by a spring-forward) maps to the instant one offset later; a repeated one
 * (fall-back) to its first occurrence.
 */
export function zonedInstant(local: string, timeZone: string): Date {
  const wanted = Date.parse(`${local}Z`);
  const offsetAt = (t: number) => localFields(t, timeZone).asUtc - (t - (t % 1000));
  // The offsets a day before and after bracket any transition near `local`: each gives a candidate.
  const candidates = [wanted - offsetAt(wanted - DAY_MS), wanted - offsetAt(wanted + DAY_MS)];
  const exact = candidates.filter((t) => localFields(t, timeZone).asUtc === wanted);
  return new Date(exact.length > 0 ? Math.min(...exact) : Math.max(...candidates));
}
