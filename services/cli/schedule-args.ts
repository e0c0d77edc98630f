/**
 * Pure mapping from `reports schedule` options to schedules and backfill ranges. No AWS: every check of
 * the arguments is decided here (and unit-tested); an error names the flag (or the --file field) at fault.
 */
import { ValidationError } from "#events/errors.js";
import { DateSchema } from "#events/report-job.schema.js";
import { parseSchedule, type Schedule, ScheduleNameSchema } from "#events/schedule.schema.js";
import { addDays, zonedInstant } from "#events/schedule-period.js";

export interface ScheduleCreateOptions {
  file?: string | undefined;
  name?: string | undefined;
  expression?: string | undefined;
  timezone?: string | undefined;
  type?: string | undefined;
  params?: string | undefined;
  format?: string | undefined;
  paused?: boolean | undefined;
  flexibleWindow?: string | undefined;
  description?: string | undefined;
}

/** Schedule fields and the flag that sets each (errors name the flag). */
const FLAG_OF: Record<string, string> = {
  name: "--name",
  expression: "--expression",
  timezone: "--timezone",
  "job.reportType": "--type",
  "job.parameters": "--params",
  "job.format": "--format",
  "job.delivery": "--file",
  flexibleWindowMinutes: "--flexible-window",
  description: "--description",
  state: "--paused",
};

const flagOf = (field: string) =>
  FLAG_OF[field] ??
  Object.entries(FLAG_OF).find(([f]) => field.startsWith(`${f}.`))?.[1] ??
  (field === "(root)" ? "--file" : field);

/** The most runs one backfill sends (a wider range is refused, naming --to). */
export const MAX_BACKFILL_RUNS = 1000;

function parseJson(text: string, flag: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`${flag}: not valid JSON: ${(error as Error).message}`, { fields: [flag] });
  }
}

/** The schedule of `create`: from --file (a schedule JSON) or from the flags, never both. */
export function scheduleFromOptions(
  options: ScheduleCreateOptions,
  readFile: (path: string) => string,
): Schedule {
  const flags = Object.entries(options).filter(
    ([k, v]) => k !== "file" && v !== undefined && FLAG_OF_OPTION[k],
  );
  if (options.file !== undefined) {
    if (flags.length > 0)
      throw new ValidationError(
        `--file: cannot be combined with ${flags.map(([k]) => FLAG_OF_OPTION[k]).join(", ")} (put them in the file)`,
        { fields: ["--file"] },
      );
    try {
      return parseSchedule(parseJson(readFile(options.file), "--file"));
    } catch (error) {
      if (!(error instanceof ValidationError) || error.fields[0] === "--file") throw error;
      throw new ValidationError(`--file ${options.file}: ${error.message}`, {
        fields: error.fields,
        cause: error,
      });
    }
  }
  for (const required of ["name", "expression", "timezone", "type"] as const)
    if (options[required] === undefined)
      throw new ValidationError(
        `${FLAG_OF_OPTION[required]}: is required (or give the whole schedule with --file)`,
        {
          fields: [FLAG_OF_OPTION[required] as string],
        },
      );
  let flexibleWindowMinutes: number | undefined;
  if (options.flexibleWindow !== undefined) {
    flexibleWindowMinutes = Number(options.flexibleWindow);
    if (!/^\d+$/.test(options.flexibleWindow))
      throw new ValidationError("--flexible-window: must be a whole number of minutes", {
        fields: ["--flexible-window"],
      });
  }
  const input = {
    name: options.name,
    expression: options.expression,
    timezone: options.timezone,
    job: {
      reportType: options.type,
      ...(options.params !== undefined ? { parameters: parseJson(options.params, "--params") } : {}),
      ...(options.format !== undefined ? { format: options.format } : {}),
    },
    state: options.paused ? "PAUSED" : "ENABLED",
    ...(flexibleWindowMinutes !== undefined ? { flexibleWindowMinutes } : {}),
    ...(options.description !== undefined ? { description: options.description } : {}),
  };
  try {
    return parseSchedule(input);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    // "invalid schedule: job.reportType: must be ..." -> "--type (job.reportType): must be ..."
    const message = error.message
      .replace(/^invalid schedule: /, "")
      .split("; ")
      .map((issue) => {
        const [field = "", ...rest] = issue.split(": ");
        return `${flagOf(field)} (${field}): ${rest.join(": ")}`;
      })
      .join("; ");
    throw new ValidationError(`invalid schedule: ${message}`, {
      fields: error.fields.map(flagOf),
      cause: error,
    });
  }
}

const FLAG_OF_OPTION: Record<string, string> = {
  name: "--name",
  expression: "--expression",
  timezone: "--timezone",
  type: "--type",
  params: "--params",
  format: "--format",
  paused: "--paused",
  flexibleWindow: "--flexible-window",
  description: "--description",
};

/** A schedule name given as an argument. */
export function scheduleNameArg(name: string): string {
  const result = ScheduleNameSchema.safeParse(name);
  if (!result.success)
    throw new ValidationError(`<name>: ${result.error.issues[0]?.message ?? "invalid"}, got "${name}"`, {
      fields: ["name"],
    });
  return name;
}

/**
 * The instants a backfill covers: `--from`/`--to` as local dates of the schedule's zone (from the start of
 * `from` to the end of `to`), or as ISO date-times with an offset.
 */
export function backfillRange(
  from: string | undefined,
  to: string | undefined,
  timezone: string,
): { from: Date; to: Date } {
  const bound = (value: string | undefined, flag: "--from" | "--to"): Date => {
    if (value === undefined) throw new ValidationError(`${flag}: is required`, { fields: [flag] });
    if (DateSchema.safeParse(value).success)
      return flag === "--from"
        ? zonedInstant(`${value}T00:00:00`, timezone)
        : new Date(zonedInstant(`${addDays(value, 1)}T00:00:00`, timezone).getTime() - 1);
    if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
      const t = new Date(value);
      if (!Number.isNaN(t.getTime())) return t;
    }
    throw new ValidationError(
      `${flag}: must be a date YYYY-MM-DD (in the schedule's time zone) or an ISO date-time with offset, got "${value}"`,
      { fields: [flag] },
    );
  };
  const range = { from: bound(from, "--from"), to: bound(to, "--to") };
  if (range.to < range.from)
    throw new ValidationError("--to: must not be before --from", { fields: ["--to"] });
  return range;
}
