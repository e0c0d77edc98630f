/**
 * One place that builds AWS SDK v3 clients. The endpoint (LocalStack locally, unset in production) and the
 * region come from the process's config (`awsVars`, read through readConfig); S3 switches to path-style
 * when an endpoint override is present, because virtual-host buckets do not resolve on 127.0.0.1.
 *
 * S3 computes request checksums only where S3 requires one (`requestChecksumCalculation: "WHEN_REQUIRED"`):
 * the uploads that carry data we vouch for name their own (the report's PutObject sends the spool file's
 * sha256 as ChecksumSHA256, each multipart part asks for CRC32 explicitly, which the SDK still computes);
 * the small JSON bodies besides (claims, pointers, audit records) are covered by SigV4's payload hash, so a
 * CRC32 of each was CPU for nothing (issue 19). Downloads keep the default response validation.
 */
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { S3Client } from "@aws-sdk/client-s3";
import { SchedulerClient } from "@aws-sdk/client-scheduler";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { z } from "zod";
import { awsVars, readConfig } from "./config.js";

export interface AwsClients {
  sqs: SQSClient;
  s3: S3Client;
  events: EventBridgeClient;
  sns: SNSClient;
  secrets: SecretsManagerClient;
  logs: CloudWatchLogsClient;
  scheduler: SchedulerClient;
}

export interface AwsClientOptions {
  region?: string;
  /** An endpoint override (LocalStack); absent: AWS's own endpoints. */
  endpoint?: string;
}

type AwsVars = z.output<z.ZodObject<typeof awsVars>>;

/** Client options from a process's config (any config built with `awsVars`). */
export function awsClientOptions(config: AwsVars): AwsClientOptions {
  const region = config.AWS_REGION ?? config.AWS_DEFAULT_REGION;
  return {
    ...(config.AWS_ENDPOINT_URL ? { endpoint: config.AWS_ENDPOINT_URL } : {}),
    ...(region ? { region } : {}),
  };
}

/** Client options read from the environment (for tooling without a config of its own). */
export function awsClientOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): AwsClientOptions {
  return awsClientOptions(readConfig(z.object(awsVars), env));
}

export function createAwsClients(options: AwsClientOptions = awsClientOptionsFromEnv()): AwsClients {
  const config = {
    region: options.region ?? "us-east-1",
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    maxAttempts: 5,
  };
  return {
    sqs: new SQSClient(config),
    s3: new S3Client({
      ...config,
      forcePathStyle: options.endpoint !== undefined,
      requestChecksumCalculation: "WHEN_REQUIRED",
    }),
    events: new EventBridgeClient(config),
    sns: new SNSClient(config),
    secrets: new SecretsManagerClient(config),
    logs: new CloudWatchLogsClient(config),
    scheduler: new SchedulerClient(config),
  };
}

export function destroyAwsClients(clients: AwsClients): void {
  for (const client of Object.values(clients)) client.destroy();
}
