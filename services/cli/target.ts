/**
 * Where the CLI sends jobs and reads events: from the topology prefix (`--prefix`, env `REPORTS_PREFIX`,
 * else the topology's DEFAULT_PREFIX), or from explicit `--queue-url` / `--bus-name`.
 */

import { GetQueueUrlCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { classifyAwsError, isAwsNotFound } from "#events/aws-errors.js";
import { ValidationError } from "#events/errors.js";
import { buildTopology, DEFAULT_PREFIX, type Topology } from "#events/topology.js";
import { TargetNotFoundError } from "./errors.js";

export interface TargetOptions {
  prefix?: string;
  queueUrl?: string;
  busName?: string;
  bucket?: string;
}

/** The topology for `--prefix` > `REPORTS_PREFIX` > DEFAULT_PREFIX; a malformed prefix names its source. */
export function topologyFor(options: TargetOptions, env: NodeJS.ProcessEnv): Topology {
  const fromFlag = options.prefix !== undefined;
  const prefix = options.prefix ?? env.REPORTS_PREFIX ?? DEFAULT_PREFIX;
  try {
    return buildTopology({ prefix });
  } catch (error) {
    const source = fromFlag ? "--prefix" : "REPORTS_PREFIX";
    throw new ValidationError(`${source}: ${(error as Error).message}`, { fields: [source], cause: error });
  }
}

/** The bus name: `--bus-name`, else the topology's. */
export function busNameFor(options: TargetOptions, env: NodeJS.ProcessEnv): string {
  return options.busName ?? topologyFor(options, env).bus.name;
}

/** The reports bucket: `--bucket`, else env `REPORTS_BUCKET`, else the topology's. */
export function bucketFor(options: TargetOptions, env: NodeJS.ProcessEnv): string {
  const explicit = options.bucket ?? env.REPORTS_BUCKET;
  if (explicit === undefined) return topologyFor(options, env).bucket.name;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(explicit)) {
    const source = options.bucket !== undefined ? "--bucket" : "REPORTS_BUCKET";
    throw new ValidationError(`${source}: not a valid S3 bucket name, got "${explicit}"`, {
      fields: [source],
    });
  }
  return explicit;
}

/** Maps S3's "no such bucket" to TargetNotFoundError naming where the bucket name came from. */
export function bucketNotFound(error: unknown, bucket: string): unknown {
  if (classifyAwsError(error).awsCode !== "NoSuchBucket") return error;
  return new TargetNotFoundError(
    `bucket "${bucket}" does not exist: check --prefix / REPORTS_PREFIX or pass --bucket`,
    { cause: error },
  );
}

/** The jobs queue URL: `--queue-url`, else GetQueueUrl of the topology's jobs queue. */
export async function resolveQueueUrl(sqs: SQSClient, options: TargetOptions, env: NodeJS.ProcessEnv) {
  if (options.queueUrl !== undefined) {
    try {
      new URL(options.queueUrl);
    } catch {
      throw new ValidationError(`--queue-url: must be a URL, got "${options.queueUrl}"`, {
        fields: ["queueUrl"],
      });
    }
    return options.queueUrl;
  }
  const topology = topologyFor(options, env);
  try {
    const out = await sqs.send(new GetQueueUrlCommand({ QueueName: topology.jobs.queueName }));
    if (!out.QueueUrl) throw new Error("GetQueueUrl returned no QueueUrl");
    return out.QueueUrl;
  } catch (error) {
    if (isAwsNotFound(error)) {
      throw new TargetNotFoundError(
        `jobs queue "${topology.jobs.queueName}" does not exist: check --prefix / REPORTS_PREFIX (prefix "${topology.prefix}") or pass --queue-url`,
        { cause: error },
      );
    }
    throw error;
  }
}
