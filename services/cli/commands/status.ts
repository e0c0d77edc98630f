/** `reports status <jobId>`: a job's state, timestamps, report key or error, from the audit trail. */
import type { Command } from "commander";
import { getJobStatus } from "#services/status/job-status.js";
import { S3AuditTrail } from "#services/status/s3-audit-trail.js";
import type { CliContext } from "../context.js";
import { UnknownJobError } from "../errors.js";
import { formatStatus, statusJobId } from "../status-format.js";
import { bucketFor, bucketNotFound } from "../target.js";
import { addBucketOptions, type BucketCliOptions } from "./target-options.js";

interface StatusOptions extends BucketCliOptions {
  json?: boolean;
}

export function registerStatus(program: Command, ctx: CliContext): Command {
  const command = program
    .command("status")
    .summary("show a job's status from the audit trail")
    .description(
      "Show what the audit trail knows about a job: state (running, generated, organized, notified, failed, rejected), attempts, timestamps, the report's key or the error, and every audited event. Human-readable by default; --json prints the status as one JSON line.\n\n" +
        "Exit codes: 0 found; 1 AWS refused a call (e.g. no such bucket); 2 invalid input; 3 no event of the job is known (not submitted, or not audited yet).",
    )
    .argument("<jobId>", "the job's id, [A-Za-z0-9_-]{1,128}")
    .option("--json", "print the status as one JSON line");
  addBucketOptions(command);
  command.action(async (jobId: string, options: StatusOptions) => {
    const id = statusJobId(jobId);
    const bucket = bucketFor(options, ctx.env);
    const s3 = ctx.aws(options.endpointUrl).s3;
    const status = await getJobStatus(new S3AuditTrail(s3, bucket), id).catch((error) => {
      throw bucketNotFound(error, bucket);
    });
    if (!status) throw new UnknownJobError(`no event of job ${id} in s3://${bucket}/audit/jobs/${id}/`);
    if (options.json) ctx.out(JSON.stringify(status));
    else for (const line of formatStatus(status)) ctx.out(line);
  });
  return command;
}
