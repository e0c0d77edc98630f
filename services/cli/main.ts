/**
 * The `reports` CLI: submit report jobs and watch report events.
 *
 *   reports submit --type sales --job-id X --from 2025-07-01 --to 2025-07-31 [--format csv] [--wait]
 *   reports submit --file jobs.json
 *   reports events --follow
 *   reports emit <detail-type> [--job-id X] [--from-file detail.json] [--force]
 *   reports status <jobId> [--json]
 *   reports replay --from 2025-08-01 --to 2025-08-03 [--dry-run] [--json]
 *   reports redrive [--queue jobs|organize|notify|audit] [--max N] [--force]
 *   reports schedule create|list|show|pause|resume|delete|run-now|backfill
 *
 * Each command lives in `commands/<name>.ts` and registers itself on the program.
 */
import { Command, CommanderError } from "commander";
import { isPipelineError } from "#events/errors.js";
import { registerEmit } from "./commands/emit.js";
import { registerEvents } from "./commands/events.js";
import { registerRedrive } from "./commands/redrive.js";
import { registerReplay } from "./commands/replay.js";
import { registerSchedule } from "./commands/schedule.js";
import { registerStatus } from "./commands/status.js";
import { registerSubmit } from "./commands/submit.js";
import type { CliContext } from "./context.js";
import { EXIT, exitCodeOf } from "./errors.js";

export function buildProgram(ctx: CliContext): Command {
  const program = new Command("reports")
    .description(
      "Submit report jobs to the report pipeline, watch its events, look up a job's status, rebuild the report indexes from the audit trail and redrive dead letters.\n" +
        "AWS settings come from the environment (AWS_REGION, AWS_ENDPOINT_URL for LocalStack, credentials).",
    )
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.out(s.replace(/\n$/, "")),
      writeErr: (s) => ctx.err(s.replace(/\n$/, "")),
    });
  registerSubmit(program, ctx);
  registerEvents(program, ctx);
  registerEmit(program, ctx);
  registerStatus(program, ctx);
  registerReplay(program, ctx);
  registerRedrive(program, ctx);
  registerSchedule(program, ctx);
  for (const command of program.commands) {
    command.exitOverride().configureOutput({
      writeOut: (s) => ctx.out(s.replace(/\n$/, "")),
      writeErr: (s) => ctx.err(s.replace(/\n$/, "")),
    });
  }
  return program;
}

/** Runs the CLI on `argv` (user arguments only, without `node` and the script) and returns the exit code. */
export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: "user" });
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are "errors" to commander; argument errors were already printed by it.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const code = isPipelineError(error) ? ` [${error.code}]` : "";
    ctx.err(`reports: ${(error as Error).message ?? String(error)}${code}`);
    return exitCodeOf(error);
  }
}
