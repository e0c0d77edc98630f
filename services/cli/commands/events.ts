/** `reports events`: tail report events through a temporary queue + rule that it always removes. */
import { type Command, Option } from "commander";
import { ValidationError } from "#events/errors.js";
import { ALL_DETAIL_TYPES, type DetailType } from "#events/names.js";
import { JobIdSchema } from "#events/report-job.schema.js";
import type { CliContext } from "../context.js";
import { InterruptedError } from "../errors.js";
import { openEventTap } from "../event-tap.js";
import { busNameFor, topologyFor } from "../target.js";
import { timeoutSeconds } from "./submit.js";
import { tailTap } from "./tail.js";
import { addTargetOptions, type TargetCliOptions } from "./target-options.js";

interface EventsOptions extends TargetCliOptions {
  follow?: boolean;
  timeout?: number | string;
  detailType?: DetailType[];
  jobId?: string[];
  maxEvents?: number | string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];
const numeric = (value: string): number | string => (/^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value);

export function registerEvents(program: Command, ctx: CliContext): Command {
  const command = program
    .command("events")
    .summary("tail report events from the bus")
    .description(
      "Print report events as they arrive, one JSON line each (the EventBridge event). Creates a temporary SQS queue and a rule on the bus, and removes both on exit, Ctrl-C included. Without --follow it stops after --timeout (default 10 s); with --follow it runs until Ctrl-C or --timeout.\n\n" +
        "Exit codes: 0 ok; 1 AWS refused a call; 2 invalid input; 130 interrupted.",
    )
    .option("--follow", "keep tailing until Ctrl-C (or --timeout)")
    .option(
      "--timeout <seconds>",
      "stop after this many seconds (default: none with --follow, 10 without)",
      numeric,
    )
    .addOption(
      new Option("--detail-type <detailType>", "only this detail-type (repeatable)")
        .choices(ALL_DETAIL_TYPES)
        .argParser(collect),
    )
    .option("--job-id <jobId>", "only events of this job (repeatable)", collect)
    .option("--max-events <n>", "stop after printing this many events", numeric);
  addTargetOptions(command, { queue: false });
  command.action(async (options: EventsOptions) => {
    await tailEvents(options, ctx);
  });
  return command;
}

async function tailEvents(options: EventsOptions, ctx: CliContext): Promise<void> {
  const seconds =
    options.timeout === undefined && options.follow ? undefined : timeoutSeconds(options.timeout, 10);
  for (const [i, jobId] of (options.jobId ?? []).entries()) {
    const parsed = JobIdSchema.safeParse(jobId);
    if (!parsed.success) {
      throw new ValidationError(`--job-id: "${jobId}" ${parsed.error.issues[0]?.message ?? "is invalid"}`, {
        fields: [`jobId[${i}]`],
      });
    }
  }
  let maxEvents: number | undefined;
  if (options.maxEvents !== undefined) {
    if (
      typeof options.maxEvents !== "number" ||
      !Number.isInteger(options.maxEvents) ||
      options.maxEvents < 1
    ) {
      throw new ValidationError(`--max-events: must be a positive integer, got "${options.maxEvents}"`, {
        fields: ["maxEvents"],
      });
    }
    maxEvents = options.maxEvents;
  }
  const topology = topologyFor(options, ctx.env);
  const busName = busNameFor(options, ctx.env);

  const clients = ctx.aws(options.endpointUrl);
  const tap = await openEventTap(clients, {
    busName,
    namePrefix: topology.prefix,
    filter: {
      ...(options.detailType ? { detailTypes: options.detailType } : {}),
      ...(options.jobId ? { jobIds: options.jobId } : {}),
    },
  });
  try {
    ctx.err(
      `listening on bus ${busName} via ${tap.ruleName}${seconds ? ` for ${seconds} s` : ""} (Ctrl-C to stop)`,
    );
    let printed = 0;
    const end = await tailTap(tap, {
      ...(seconds !== undefined ? { deadline: Date.now() + seconds * 1000 } : {}),
      signal: ctx.signal,
      onEvent(event) {
        ctx.out(JSON.stringify(event));
        printed += 1;
        return maxEvents !== undefined && printed >= maxEvents;
      },
    });
    if (end === "interrupted") throw new InterruptedError(`interrupted after ${printed} event(s)`);
  } finally {
    await tap.close();
    ctx.err(`removed ${tap.ruleName}`);
  }
}
