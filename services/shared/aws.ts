/**
 * One place that builds AWS SDK v3 clients. The SDK itself honours `AWS_ENDPOINT_URL` (LocalStack
 * locally, unset in production); S3 switches to path-style when an endpoint override is present, because
 * virtual-host buckets do not resolve on 127.0.0.1.
 */
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";

export interface AwsClients {
  sqs: SQSClient;
  s3: S3Client;
  events: EventBridgeClient;
  sns: SNSClient;
  secrets: SecretsManagerClient;
  logs: CloudWatchLogsClient;
}

export interface AwsClientOptions {
  region?: string;
  /** Overrides `AWS_ENDPOINT_URL`. */
  endpoint?: string;
}

function baseConfig(options: AwsClientOptions) {
  const endpoint = options.endpoint ?? process.env.AWS_ENDPOINT_URL;
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1";
  return { region, ...(endpoint ? { endpoint } : {}), maxAttempts: 5 };
}

/** Whether clients talk to a local emulator rather than AWS. */
export function isLocalEndpoint(options: AwsClientOptions = {}): boolean {
  return Boolean(options.endpoint ?? process.env.AWS_ENDPOINT_URL);
}

export function createAwsClients(options: AwsClientOptions = {}): AwsClients {
  const config = baseConfig(options);
  return {
    sqs: new SQSClient(config),
    s3: new S3Client({ ...config, forcePathStyle: isLocalEndpoint(options) }),
    events: new EventBridgeClient(config),
    sns: new SNSClient(config),
    secrets: new SecretsManagerClient(config),
    logs: new CloudWatchLogsClient(config),
  };
}

export function destroyAwsClients(clients: AwsClients): void {
  for (const client of Object.values(clients)) client.destroy();
}
