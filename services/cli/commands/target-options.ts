import type { Command } from "commander";
import { DEFAULT_PREFIX } from "#events/topology.js";

/** Options every command that talks to AWS takes. */
export interface TargetCliOptions {
  prefix?: string;
  queueUrl?: string;
  busName?: string;
  endpointUrl?: string;
}

export function addTargetOptions(command: Command, which: { queue: boolean }): Command {
  command.option(
    "--prefix <prefix>",
    `topology name prefix (env REPORTS_PREFIX, default "${DEFAULT_PREFIX}"); queue and bus names derive from it`,
  );
  if (which.queue)
    command.option("--queue-url <url>", "jobs queue URL (instead of resolving it from the prefix)");
  command
    .option("--bus-name <name>", "event bus name (instead of deriving it from the prefix)")
    .option(
      "--endpoint-url <url>",
      "AWS endpoint, e.g. http://127.0.0.1:4566 for LocalStack (env AWS_ENDPOINT_URL)",
    );
  return command;
}

/** Options of commands that read the reports bucket (status, replay). */
export interface BucketCliOptions {
  prefix?: string;
  bucket?: string;
  endpointUrl?: string;
}

export function addBucketOptions(command: Command): Command {
  return command
    .option(
      "--prefix <prefix>",
      `topology name prefix (env REPORTS_PREFIX, default "${DEFAULT_PREFIX}"); the bucket name derives from it`,
    )
    .option("--bucket <name>", "reports bucket (env REPORTS_BUCKET; instead of deriving it from the prefix)")
    .option(
      "--endpoint-url <url>",
      "AWS endpoint, e.g. http://127.0.0.1:4566 for LocalStack (env AWS_ENDPOINT_URL)",
    );
}
