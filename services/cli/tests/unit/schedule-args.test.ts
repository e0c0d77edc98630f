import { describe, expect, it } from "vitest";
import { ValidationError } from "#events/errors.js";
import { SCHEDULE_EXAMPLE } from "#events/schedule.schema.js";
import type { CliContext } from "../../context.js";
import { run } from "../../main.js";
import { backfillRange, scheduleFromOptions } from "../../schedule-args.js";

const noFiles = (path: string): string => {
  throw new Error(`ENOENT: ${path}`);
};

function errorOf(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error("expected a ValidationError");
}

const flags = {
  name: "daily-sales",
  expression: "cron(30 2 * * ? *)",
  timezone: "Europe/Berlin",
  type: "sales",
  params: '{"from":"{{previous_day.from}}","to":"{{previous_day.to}}"}',
};

describe("scheduleFromOptions", () => {
  it("builds the schedule from flags, defaults applied", () => {
    const schedule = scheduleFromOptions({ ...flags, format: "csv", flexibleWindow: "15" }, noFiles);

    expect(schedule).toMatchObject({
      name: "daily-sales",
      state: "ENABLED",
      flexibleWindowMinutes: 15,
      job: { reportType: "sales", format: "csv", parameters: { from: "{{previous_day.from}}" } },
    });
  });

  it("reads a schedule file, and names the file's field when it is wrong", () => {
    const good = scheduleFromOptions({ file: "s.json" }, () => JSON.stringify(SCHEDULE_EXAMPLE));
    const bad = errorOf(() =>
      scheduleFromOptions({ file: "s.json" }, () =>
        JSON.stringify({ ...SCHEDULE_EXAMPLE, timezone: "Berlin" }),
      ),
    );

    expect(good.name).toBe("daily-sales");
    expect(bad.message).toContain("--file s.json: invalid schedule: timezone:");
    expect(bad.fields).toEqual(["timezone"]);
  });

  it.each([
    [{ ...flags, name: undefined }, "--name", "is required"],
    [{ ...flags, timezone: "Mars/Olympus" }, "--timezone", "not a known IANA time zone"],
    [{ ...flags, expression: "every night" }, "--expression", "must be cron("],
    [{ ...flags, type: "nope" }, "--type", "must be one of"],
    [{ ...flags, params: "{from" }, "--params", "not valid JSON"],
    [{ ...flags, params: '{"from":"{{previous_day.from}}"}' }, "--params", "job.parameters.to"],
    [{ ...flags, format: "pdf" }, "--format", "job.format"],
    [{ ...flags, flexibleWindow: "ten" }, "--flexible-window", "whole number"],
    [{ ...flags, flexibleWindow: "2000" }, "--flexible-window", "at most 1440"],
    [{ ...flags, file: "s.json" }, "--file", "cannot be combined"],
  ])("refuses %j naming %s", (options, flag, text) => {
    const error = errorOf(() => scheduleFromOptions(options, () => "{}"));

    expect(error.fields).toContain(flag);
    expect(error.message).toContain(text);
  });
});

describe("backfillRange", () => {
  it("reads dates as local days of the schedule's zone, both ends included", () => {
    const range = backfillRange("2025-08-01", "2025-08-07", "Europe/Berlin");

    expect(range.from.toISOString()).toBe("2025-07-31T22:00:00.000Z");
    expect(range.to.toISOString()).toBe("2025-08-07T21:59:59.999Z");
  });

  it("takes ISO date-times with an offset as they are", () => {
    const range = backfillRange("2025-08-01T06:00:00Z", "2025-08-01T08:00:00+02:00", "America/New_York");

    expect(range.to.toISOString()).toBe("2025-08-01T06:00:00.000Z");
  });

  it.each([
    [undefined, "2025-08-07", "--from", "is required"],
    ["2025-02-30", "2025-08-07", "--from", "must be a date"],
    ["2025-08-01T06:00:00", "2025-08-07", "--from", "with offset"],
    ["2025-08-07", "2025-08-01", "--to", "must not be before --from"],
  ])("refuses --from %s --to %s naming %s", (from, to, flag, text) => {
    const error = errorOf(() => backfillRange(from, to, "UTC"));

    expect(error.fields).toEqual([flag]);
    expect(error.message).toContain(text);
  });
});

describe("reports schedule (no AWS: input is checked first)", () => {
  function offline() {
    const out: string[] = [];
    const err: string[] = [];
    const ctx: CliContext = {
      env: {},
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      now: () => new Date("2025-08-03T15:46:08Z"),
      readFile: noFiles,
      signal: new AbortController().signal,
      exitCode: 0,
      aws: () => {
        throw new Error("unexpected AWS use");
      },
    };
    return { ctx, out, err };
  }

  it("documents every subcommand", async () => {
    const { ctx, out } = offline();

    expect(await run(["schedule", "--help"], ctx)).toBe(0);
    for (const verb of ["create", "list", "show", "pause", "resume", "delete", "run-now", "backfill"])
      expect(out.join("\n")).toContain(verb);
  });

  it.each([
    [
      [
        "schedule",
        "create",
        "--name",
        "x y",
        "--expression",
        "rate(1 day)",
        "--timezone",
        "UTC",
        "--type",
        "connectivity_test",
      ],
      "--name",
    ],
    [["schedule", "show", "../etc"], "<name>"],
    [["schedule", "pause", "a b"], "<name>"],
    [["schedule", "run-now", "a/b"], "<name>"],
    [["schedule", "backfill", "daily", "--from", "last week", "--to", "2025-08-07"], "--from"],
    [["schedule", "backfill", "daily", "--from", "2025-08-07", "--to", "2025-08-01"], "--to"],
  ])("%j exits 2 naming %s, before any AWS call", async (argv, field) => {
    const { ctx, err } = offline();

    const code = await run(argv, ctx);

    expect(code).toBe(2);
    expect(err.join("\n")).toContain(field);
  });
});
