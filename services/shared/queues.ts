/** Facts about a queue the processes read at start rather than configure twice. */
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type Message,
  type SQSClient,
} from "@aws-sdk/client-sqs";

export interface Redrive {
  dlqUrl: string;
  maxReceiveCount: number;
}

/** The queue's redrive policy: its DLQ's URL and the receive count after which SQS moves messages there. */
export async function redriveOf(sqs: SQSClient, queueUrl: string): Promise<Redrive> {
  const attrs = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["RedrivePolicy"] }),
  );
  const policy = attrs.Attributes?.RedrivePolicy ? JSON.parse(attrs.Attributes.RedrivePolicy) : undefined;
  const dlqArn: string | undefined = policy?.deadLetterTargetArn;
  if (!dlqArn)
    throw new Error(`queue ${queueUrl} has no redrive policy: every queue of the pipeline needs a DLQ`);
  const dlqName = dlqArn.split(":").at(-1) ?? "";
  const dlq = await sqs.send(new GetQueueUrlCommand({ QueueName: dlqName }));
  if (!dlq.QueueUrl) throw new Error(`DLQ ${dlqName} not found`);
  return { dlqUrl: dlq.QueueUrl, maxReceiveCount: Number(policy.maxReceiveCount ?? 5) };
}

/** Which delivery of the message this is (SQS's ApproximateReceiveCount; 1 when missing or malformed). */
export function receiveCountOf(message: Message): number {
  const n = Number(message.Attributes?.ApproximateReceiveCount ?? 1);
  return Number.isInteger(n) && n > 0 ? n : 1;
}
