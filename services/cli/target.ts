/**
 * Where the CLI sends jobs and reads events: from the topology prefix (`--prefix`, env `REPORTS_PREFIX`,
 * else the topology's DEFAULT_PREFIX), or from explicit `--queue-url` / `--bus-name`. The environment is
 * read through readCliEnv (cli-env.ts), so a malformed variable is named there.
 */

import { GetQueueUrlCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { classifyAwsError, isAwsNotFound } from "#events/aws-errors.js";
import { ValidationError } from "#events/errors.js";
import { BUCKET_NAME_PATTERN, buildTopology, type Topology } from "#events/topology.js";
import { readCliEnv } from "./cli-env.js";
import { TargetNotFoundError } from "./errors.js";

export interface TargetOptions {
  prefix?: string;
  queueUrl?: string;
  busName?: string;
  bucket?: string;
}

/** The topology for `--prefix` > `REPORTS_PREFIX` > DEFAULT_PREFIX; a malformed prefix names its source. */
export function topologyFor(options: TargetOptions, env: NodeJS.ProcessEnv): Topology {
  if (options.prefix === undefined) return buildTopology({ prefix: readCliEnv(env).REPORTS_PREFIX });
  try {
    return buildTopology({ prefix: options.prefix });
  } catch (error) {
    throw new ValidationError(`--prefix: ${(error as Error).message}`, {
      fields: ["--prefix"],
      cause: error,
    });
  }
}

/** The bus name: `--bus-name`, else the topology's. */
export function busNameFor(options: TargetOptions, env: NodeJS.ProcessEnv): string {
  return options.busName ?? topologyFor(options, env).bus.name;
}

/** The reports bucket: `--bucket`, else env `REPORTS_BUCKET`, else the topology's. */
export function bucketFor(options: TargetOptions, env: NodeJS.ProcessEnv): string {
  if (options.bucket === undefined)
    return readCliEnv(env).REPORTS_BUCKET ?? topologyFor(options, env).bucket.name;
  if (!BUCKET_NAME_PATTERN.test(options.bucket)) {
    throw new ValidationError(`--bucket: not a valid S3 bucket name, got "${options.bucket}"`, {
      fields: ["--bucket"],
    });
  }
  return options.bucket;
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

/** Hosts that are this machine: LocalStack's (and any local emulator's) endpoints. */
const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]", "::1", "localhost.localstack.cloud"]);

/**
 * The endpoint AWS calls go to (`--endpoint-url`, else env `AWS_ENDPOINT_URL`) when it is on this machine;
 * undefined when it is not (no endpoint at all means AWS itself).
 */
export function localEndpointOf(endpointUrl: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const endpoint = endpointUrl ?? readCliEnv(env).AWS_ENDPOINT_URL;
  if (endpoint === undefined) return undefined;
  let host: string;
  try {
    host = new URL(endpoint).hostname.toLowerCase();
  } catch {
    throw new ValidationError(`--endpoint-url: must be a URL, got "${endpoint}"`, {
      fields: ["--endpoint-url"],
    });
  }
  return LOCAL_HOSTS.has(host) || host.endsWith(".localhost") ? endpoint : undefined;
}
