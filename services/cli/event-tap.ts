/**
 * A temporary window onto the report events bus: a private SQS queue plus a rule that forwards matching
 * events to it. `reports events --follow` and `reports submit --wait` read events through it. `close()`
 * removes both, and is safe to call more than once; the CLI calls it on every way out, Ctrl-C included.
 */

import { randomBytes } from "node:crypto";
import {
  DeleteRuleCommand,
  type EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from "@aws-sdk/client-eventbridge";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { isAwsNotFound } from "#events/aws-errors.js";
import { type EventPattern, type ReportEventFilter, reportEventPattern } from "#events/event-patterns.js";
import { TargetNotFoundError } from "./errors.js";

/** An EventBridge event as delivered to the tap's queue. */
export interface BusEvent {
  id?: string;
  time?: string;
  source: string;
  "detail-type": string;
  detail: Record<string, unknown>;
}

/** Which events a tap receives (all pipeline events when empty); empty lists count as absent. */
export type TapFilter = ReportEventFilter;

/** The event pattern of a tap's rule. */
export function tapPattern(filter: TapFilter): EventPattern {
  return reportEventPattern({
    ...(filter.detailTypes?.length ? { detailTypes: filter.detailTypes } : {}),
    ...(filter.reportTypes?.length ? { reportTypes: filter.reportTypes } : {}),
    ...(filter.jobIds?.length ? { jobIds: filter.jobIds } : {}),
  });
}

export interface EventTap {
  queueUrl: string;
  ruleName: string;
  /** Long-polls once (up to `waitSeconds`), deletes what it received and returns the events in order received. */
  poll(options?: { waitSeconds?: number; signal?: AbortSignal }): Promise<BusEvent[]>;
  /** Removes the rule, its target and the queue. Idempotent. */
  close(): Promise<void>;
}

const ignoreMissing = async (action: () => Promise<unknown>) => {
  try {
    await action();
  } catch (error) {
    if (isAwsNotFound(error)) return;
    throw error;
  }
};

/**
 * Creates the queue and the rule on `busName`. Names start with `<namePrefix>-tap-` and end in a random
 * suffix, so several taps (several terminals, parallel tests) never share one.
 */
export async function openEventTap(
  clients: { sqs: SQSClient; events: EventBridgeClient },
  options: { busName: string; namePrefix: string; filter?: TapFilter },
): Promise<EventTap> {
  const name = `${options.namePrefix}-tap-${randomBytes(4).toString("hex")}`;
  let queueUrl: string | undefined;
  let ruleCreated = false;
  let targetAdded = false;
  let closed = false;

  const close = async () => {
    if (closed) return;
    closed = true;
    const errors: unknown[] = [];
    const step = async (action: () => Promise<unknown>) => {
      try {
        await ignoreMissing(action);
      } catch (error) {
        errors.push(error);
      }
    };
    if (targetAdded) {
      await step(() =>
        clients.events.send(
          new RemoveTargetsCommand({ Rule: name, EventBusName: options.busName, Ids: ["tap"] }),
        ),
      );
    }
    if (ruleCreated) {
      await step(() =>
        clients.events.send(new DeleteRuleCommand({ Name: name, EventBusName: options.busName })),
      );
    }
    if (queueUrl) {
      const url = queueUrl;
      await step(() => clients.sqs.send(new DeleteQueueCommand({ QueueUrl: url })));
    }
    if (errors.length > 0) throw new AggregateError(errors, `could not fully remove event tap ${name}`);
  };

  try {
    const created = await clients.sqs.send(
      new CreateQueueCommand({ QueueName: name, Attributes: { MessageRetentionPeriod: "3600" } }),
    );
    queueUrl = created.QueueUrl;
    if (!queueUrl) throw new Error(`CreateQueue ${name} returned no QueueUrl`);
    const attrs = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
    );
    const queueArn = attrs.Attributes?.QueueArn;
    if (!queueArn) throw new Error(`queue ${name} has no QueueArn`);
    const rule = await clients.events.send(
      new PutRuleCommand({
        Name: name,
        EventBusName: options.busName,
        Description: "reports CLI event tap (temporary)",
        EventPattern: JSON.stringify(tapPattern(options.filter ?? {})),
        State: "ENABLED",
      }),
    );
    ruleCreated = true;
    await clients.sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: queueUrl,
        Attributes: {
          Policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: { Service: "events.amazonaws.com" },
                Action: "sqs:SendMessage",
                Resource: queueArn,
                Condition: { ArnEquals: { "aws:SourceArn": rule.RuleArn } },
              },
            ],
          }),
        },
      }),
    );
    const targets = await clients.events.send(
      new PutTargetsCommand({
        Rule: name,
        EventBusName: options.busName,
        Targets: [{ Id: "tap", Arn: queueArn }],
      }),
    );
    targetAdded = true;
    if (targets.FailedEntryCount)
      throw new Error(`PutTargets ${name}: ${JSON.stringify(targets.FailedEntries)}`);
  } catch (error) {
    await close().catch(() => undefined);
    if (isAwsNotFound(error)) {
      throw new TargetNotFoundError(`event bus "${options.busName}" does not exist`, { cause: error });
    }
    throw error;
  }

  const url = queueUrl;
  return {
    queueUrl: url,
    ruleName: name,
    poll: (options) => pollEvents(clients.sqs, url, options),
    close,
  };
}

/**
 * Long-polls a rule-fed queue once (up to `waitSeconds`), deletes what it received, and returns the events
 * in the order received. The one reader of tap queues (the CLI, the bench, the tests).
 */
export async function pollEvents(
  sqs: SQSClient,
  queueUrl: string,
  { waitSeconds = 5, signal }: { waitSeconds?: number; signal?: AbortSignal } = {},
): Promise<BusEvent[]> {
  const out = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: waitSeconds }),
    signal ? { abortSignal: signal } : {},
  );
  const messages = out.Messages ?? [];
  if (messages.length > 0) {
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
  return messages.map((m) => JSON.parse(m.Body ?? "{}") as BusEvent);
}
