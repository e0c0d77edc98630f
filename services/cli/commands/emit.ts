/**
 * `reports emit <detail-type>`: puts a valid sample event on the bus — the detail-type's example (the one
 * in its JSON Schema), for `--job-id` if given, or a detail read from `--from-file` — so a subscriber can
 * test a rule and its target on LocalStack without running jobs. Refuses an endpoint that is not on this
 * machine unless `--force`: sample events on a real bus would reach real subscribers.
 */
import { Argument, type Command } from "commander";
import { ValidationError } from "#events/errors.js";
import { ReportEventPublisher } from "#events/event-publisher.js";
import { ALL_DETAIL_TYPES, type DetailType } from "#events/names.js";
import {
  exampleReportEvent,
  parseReportEvent,
  type ReportEventDetail,
} from "#events/report-events.schema.js";
import type { CliContext } from "../context.js";
import { busNameFor, localEndpointOf } from "../target.js";
import { addTargetOptions, type TargetCliOptions } from "./target-options.js";

interface EmitOptions extends TargetCliOptions {
  jobId?: string;
  fromFile?: string;
  force?: boolean;
}

export function registerEmit(program: Command, ctx: CliContext): Command {
  const command = program
    .command("emit")
    .summary("put a sample report event on the bus (to test a rule locally)")
    .description(
      "Put one valid report event on the bus: the detail-type's example from its JSON Schema (events/generated/events/<detail-type>.schema.json), re-keyed for --job-id, or the detail in --from-file (validated first; errors name the field). Prints one JSON line {detailType, eventId, jobId, awsEventId, busName}. Only against a local endpoint (127.0.0.1, localhost, ::1: --endpoint-url or AWS_ENDPOINT_URL) unless --force.\n\n" +
        "Exit codes: 0 ok; 1 AWS refused the call; 2 invalid input or a non-local endpoint without --force.",
    )
    .addArgument(new Argument("<detail-type>", "the event's detail-type").choices(ALL_DETAIL_TYPES))
    .option("--job-id <jobId>", "the job the event is about (default: the example's, WORKFLOW_SALES_001)")
    .option("--from-file <path>", "a JSON file holding the detail to send instead of the example")
    .option("--force", "send even though the endpoint is not local (real subscribers will receive it)");
  addTargetOptions(command, { queue: false });
  command.action(async (detailType: DetailType, options: EmitOptions) => {
    await emit(detailType, options, ctx);
  });
  return command;
}

function detailFromFile(detailType: DetailType, path: string, ctx: CliContext): ReportEventDetail {
  let data: unknown;
  try {
    data = JSON.parse(ctx.readFile(path));
  } catch (error) {
    throw new ValidationError(`--from-file ${path}: not valid JSON: ${(error as Error).message}`, {
      fields: ["--from-file"],
    });
  }
  try {
    return parseReportEvent(detailType, data);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(`--from-file ${path}: ${error.message}`, {
      fields: error.fields,
      cause: error,
    });
  }
}

async function emit(detailType: DetailType, options: EmitOptions, ctx: CliContext): Promise<void> {
  if (options.fromFile !== undefined && options.jobId !== undefined) {
    throw new ValidationError("--job-id: cannot be combined with --from-file (put the jobId in the file)", {
      fields: ["--job-id"],
    });
  }
  let detail: ReportEventDetail;
  if (options.fromFile !== undefined) detail = detailFromFile(detailType, options.fromFile, ctx);
  else {
    try {
      detail = exampleReportEvent(detailType, options.jobId === undefined ? {} : { jobId: options.jobId });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      throw new ValidationError(`--job-id: "${options.jobId}" ${error.message.replace(/^jobId: /, "")}`, {
        fields: ["--job-id"],
        cause: error,
      });
    }
  }
  const endpoint = localEndpointOf(options.endpointUrl, ctx.env);
  if (endpoint === undefined && !options.force) {
    const where = options.endpointUrl ?? ctx.env.AWS_ENDPOINT_URL;
    throw new ValidationError(
      `--endpoint-url: ${where ? `"${where}" is not a local endpoint` : "no endpoint is set, so this would go to AWS itself"}; reports emit puts sample events only on a local bus (127.0.0.1, localhost, ::1) unless --force`,
      { fields: ["--endpoint-url"] },
    );
  }
  const busName = busNameFor(options, ctx.env);
  const publisher = new ReportEventPublisher(ctx.aws(options.endpointUrl).events, { busName });
  const published = await publisher.publish({ detailType, detail } as Parameters<
    typeof publisher.publish
  >[0]);
  ctx.out(
    JSON.stringify({
      detailType,
      eventId: published.eventId,
      jobId: "jobId" in detail ? (detail.jobId ?? null) : null,
      awsEventId: published.awsEventId,
      busName,
    }),
  );
}
