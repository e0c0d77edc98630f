/** `reports replay`: rebuild daily index manifests and latest.json pointers from the audit trail. */
import type { Command } from "commander";
import { replayAuditTrail } from "#services/status/replay.js";
import { s3StatusPorts } from "#services/status/s3-audit-trail.js";
import type { CliContext } from "../context.js";
import { formatReplay, replayRange } from "../status-format.js";
import { bucketFor, bucketNotFound } from "../target.js";
import { addBucketOptions, type BucketCliOptions } from "./target-options.js";

interface ReplayOptions extends BucketCliOptions {
  from?: string;
  to?: string;
  dryRun?: boolean;
  json?: boolean;
}

export function registerReplay(program: Command, ctx: CliContext): Command {
  const command = program
    .command("replay")
    .summary("rebuild report indexes and latest pointers from the audit trail")
    .description(
      "Re-read the audit trail by date (audit/dt=<day>/ for each day from --from to --to, and the day after for reports organized past midnight) and fold every ReportOrganized into the daily index manifests (reports/_index/<day>.json) and the latest.json pointers, with the organizer's own rules. Writes only documents that differ and never removes an entry, so on a healthy bucket it changes nothing (changed: 0). At most 366 days per run.\n\n" +
        "Exit codes: 0 ok; 1 AWS refused a call; 2 invalid input.",
    )
    .option("--from <date>", "first day, YYYY-MM-DD (UTC)")
    .option("--to <date>", "last day, YYYY-MM-DD (UTC), inclusive")
    .option("--dry-run", "report what would be rewritten, write nothing")
    .option("--json", "print the summary as one JSON line");
  addBucketOptions(command);
  command.action(async (options: ReplayOptions) => {
    const range = replayRange(options);
    const bucket = bucketFor(options, ctx.env);
    const s3 = ctx.aws(options.endpointUrl).s3;
    const summary = await replayAuditTrail(s3StatusPorts(s3, bucket), {
      ...range,
      dryRun: options.dryRun === true,
    }).catch((error) => {
      throw bucketNotFound(error, bucket);
    });
    if (options.json) ctx.out(JSON.stringify(summary));
    else for (const line of formatReplay(summary)) ctx.out(line);
  });
  return command;
}
