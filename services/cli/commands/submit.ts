/** `reports submit`: one job from options, or many from `--file`; optionally waits for the outcome. */
import { type Command, Option } from "commander";
import { ValidationError } from "#events/errors.js";
import { DetailType } from "#events/names.js";
import { CUSTOMER_TIERS, GRANULARITIES, REPORT_FORMATS, REPORT_TYPES } from "#events/report-job.schema.js";
import { submitReportJob, submitReportJobs } from "#events/submit-report-job.js";
import { type CliContext, defaultRequestedBy } from "../context.js";
import { EXIT, InterruptedError, WaitTimeoutError } from "../errors.js";
import { type BusEvent, type EventTap, openEventTap } from "../event-tap.js";
import { assertFileOnly, jobFromOptions, jobsFromFile, type SubmitCliOptions } from "../job-args.js";
import { busNameFor, resolveQueueUrl, topologyFor } from "../target.js";
import { tailTap } from "./tail.js";
import { addTargetOptions, type TargetCliOptions } from "./target-options.js";

type SubmitOptions = SubmitCliOptions & TargetCliOptions & { wait?: boolean; timeout?: number | string };

const collect = (value: string, previous: string[] = []) => [...previous, value];
/** Numbers stay strings when they are not numeric, so the schema names the field instead of NaN slipping in. */
const numeric = (value: string): number | string => (/^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value);

/** Outcome of a job as its terminal event tells it; undefined while the job is still running. */
export function terminalOutcome(event: BusEvent): "succeeded" | "failed" | undefined {
  switch (event["detail-type"]) {
    case DetailType.ReportGenerated:
    case DetailType.ReportOrganized:
      return "succeeded";
    case DetailType.ReportRejected:
      return "failed";
    case DetailType.ReportFailed:
      return event.detail.final === true ? "failed" : undefined;
    default:
      return undefined;
  }
}

/** `--timeout` in seconds, as a positive number; names the flag otherwise. */
export function timeoutSeconds(value: number | string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === "number" ? value : Number.NaN;
  if (!Number.isFinite(n) || n <= 0) {
    throw new ValidationError(`--timeout: must be a positive number of seconds, got "${value}"`, {
      fields: ["timeout"],
    });
  }
  return n;
}

export function registerSubmit(program: Command, ctx: CliContext): Command {
  const command = program
    .command("submit")
    .summary("submit report jobs to the jobs queue")
    .description(
      'Submit one report job described by options, or many from --file. Prints one JSON line per job ({"jobId","status","messageId"}). With --wait, then waits for each job\'s outcome event and prints it as a JSON line too.\n\n' +
        "Exit codes: 0 ok; 1 a job failed or was rejected, or AWS refused a call; 2 invalid input (the field is named); 124 --wait timed out; 130 interrupted.",
    )
    .addOption(new Option("--type <reportType>", "report type").choices(REPORT_TYPES))
    .option(
      "--job-id <jobId>",
      "job id, [A-Za-z0-9_-]{1,128}, the idempotency key (default: <type>_<time>_<random>)",
    )
    .option("--from <date>", "first day of the report period, YYYY-MM-DD (date-range reports)")
    .option("--to <date>", "last day of the report period, YYYY-MM-DD, not before --from")
    .addOption(new Option("--format <format>", "output format (default json)").choices(REPORT_FORMATS))
    .addOption(
      new Option(
        "--granularity <granularity>",
        "time bucket (sales: day, executive_dashboard: month)",
      ).choices(GRANULARITIES),
    )
    .option("--region <region>", "sales: only this region (repeatable)", collect)
    .option("--category <category>", "sales, product_performance: only this category (repeatable)", collect)
    .addOption(
      new Option("--tier <tier>", "customer_analysis: only this tier (repeatable)")
        .choices(CUSTOMER_TIERS)
        .argParser(collect),
    )
    .option(
      "--limit <n>",
      "sales, customer_analysis, product_performance: max rows, 1-10000 (default 100)",
      numeric,
    )
    .option("--freshness-hours <n>", "data_quality: max age of a table's newest row (default 720)", numeric)
    .option("--correlation-id <id>", "correlation id carried through every event of the job")
    .option("--requested-by <who>", "who asks (default env REPORTS_REQUESTED_BY or reports-cli:<user>)")
    .option("--webhook-url <url>", "notify this HTTPS endpoint (signed POST) about the outcome")
    .addOption(
      new Option("--notify-on <when>", "when to notify (default always)").choices([
        "always",
        "failure",
        "never",
      ]),
    )
    .option("--file <path>", 'submit every job in this JSON file (an array, {"jobs": [...]}, or one job)')
    .option(
      "--wait",
      "wait for each job's outcome: ReportGenerated/ReportOrganized, final ReportFailed, ReportRejected",
    )
    .option("--timeout <seconds>", "with --wait: give up after this many seconds (default 300)", numeric);
  addTargetOptions(command, { queue: true });
  command.action(async (options: SubmitOptions) => {
    await submit(options, ctx);
  });
  return command;
}

async function submit(options: SubmitOptions, ctx: CliContext): Promise<void> {
  const requestedBy = options.requestedBy ?? defaultRequestedBy(ctx.env);
  // Everything that can be checked without AWS is checked before any AWS call.
  const waitSeconds = timeoutSeconds(options.timeout, 300);
  if (options.timeout !== undefined && !options.wait) {
    throw new ValidationError("--timeout: only applies with --wait", { fields: ["timeout"] });
  }
  let drafts: ReturnType<typeof jobsFromFile> | undefined;
  let single: ReturnType<typeof jobFromOptions> | undefined;
  if (options.file !== undefined) {
    assertFileOnly(options);
    drafts = jobsFromFile(ctx.readFile(options.file), options.file);
  } else {
    single = jobFromOptions(options, { now: ctx.now(), requestedBy });
  }
  topologyFor(options, ctx.env);

  const clients = ctx.aws(options.endpointUrl);
  const queueUrl = await resolveQueueUrl(clients.sqs, options, ctx.env);

  let tap: EventTap | undefined;
  try {
    const jobIds = single ? [single.jobId] : (drafts ?? []).map((d) => String(d.jobId));
    if (options.wait) {
      // The tap exists before the job is sent, so no outcome can slip past.
      tap = await openEventTap(clients, {
        busName: busNameFor(options, ctx.env),
        namePrefix: topologyFor(options, ctx.env).prefix,
        filter: {
          jobIds,
          detailTypes: [
            DetailType.ReportStarted,
            DetailType.ReportGenerated,
            DetailType.ReportOrganized,
            DetailType.ReportFailed,
            DetailType.ReportRejected,
          ],
        },
      });
    }

    let failedToSend = 0;
    let sentIds: string[] = [];
    if (single) {
      const { messageId, job } = await submitReportJob(clients.sqs, queueUrl, single);
      ctx.out(JSON.stringify({ jobId: job.jobId, status: "sent", messageId }));
      sentIds = [job.jobId];
    } else {
      const result = await submitReportJobs(clients.sqs, queueUrl, drafts ?? [], {
        requestedBy,
        now: ctx.now,
      });
      for (const r of result.results) {
        if (r.status === "sent")
          ctx.out(JSON.stringify({ jobId: r.jobId, status: "sent", messageId: r.messageId }));
        else ctx.out(JSON.stringify({ jobId: r.jobId, status: "failed", error: r.error }));
      }
      failedToSend = result.failed;
      sentIds = result.results.filter((r) => r.status === "sent").map((r) => r.jobId);
      if (failedToSend > 0)
        ctx.err(`${failedToSend} of ${result.results.length} job(s) could not be submitted`);
    }

    if (tap && sentIds.length > 0) {
      const waiting = new Set(sentIds);
      let failedJobs = 0;
      ctx.err(`waiting up to ${waitSeconds} s for ${waiting.size} job(s)...`);
      const end = await tailTap(tap, {
        deadline: Date.now() + waitSeconds * 1000,
        signal: ctx.signal,
        onEvent(event) {
          const jobId = String(event.detail.jobId ?? "");
          if (!waiting.has(jobId)) return false;
          const outcome = terminalOutcome(event);
          if (!outcome) {
            ctx.err(
              `${jobId}: ${event["detail-type"]}${event.detail.attempt ? ` (attempt ${event.detail.attempt})` : ""}`,
            );
            return false;
          }
          waiting.delete(jobId);
          if (outcome === "failed") failedJobs += 1;
          ctx.out(
            JSON.stringify({
              jobId,
              status: outcome,
              detailType: event["detail-type"],
              detail: event.detail,
            }),
          );
          return waiting.size === 0;
        },
      });
      if (end === "interrupted") throw new InterruptedError("interrupted while waiting");
      if (end === "timeout") {
        throw new WaitTimeoutError(
          `--timeout: no outcome within ${waitSeconds} s for ${[...waiting].join(", ")}`,
        );
      }
      if (failedJobs > 0) {
        ctx.err(`${failedJobs} job(s) failed or were rejected`);
        ctx.exitCode = EXIT.failed;
      }
    }
    if (failedToSend > 0) ctx.exitCode = EXIT.failed;
  } finally {
    await tap?.close();
  }
}
