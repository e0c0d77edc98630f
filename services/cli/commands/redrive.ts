/**
 * `reports redrive [--queue jobs|organize|notify|audit] [--max N] [--force]`: moves dead-lettered messages
 * back to the queue they died on, after the cause is fixed.
 *
 * Message by message (receive from the DLQ, send to the queue, then delete from the DLQ), never a bulk
 * move: a message is deleted only after its copy was sent, so a failure part-way loses nothing (at worst
 * a message is sent twice, which every consumer dedupes), and each job can be checked first. A job whose
 * audit trail already shows a report (generated, organized, notified) or a rejection is refused and left in
 * the DLQ unless --force: running it again would only produce a duplicate. Events (organize, notify,
 * audit) are redriven as they are: their consumers dedupe on eventId.
 *
 * Messages the worker's DLQ sweeper has just read are hidden for a while (its hideSeconds); they are not
 * receivable and so not redriven until they show again.
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueUrlCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { Command } from "commander";
import { isAwsNotFound } from "#events/aws-errors.js";
import { ValidationError } from "#events/errors.js";
import type { Topology } from "#events/topology.js";
import { getJobStatus } from "#services/status/job-status.js";
import { S3AuditTrail } from "#services/status/s3-audit-trail.js";
import type { CliContext } from "../context.js";
import { EXIT, TargetNotFoundError } from "../errors.js";
import { bucketFor, topologyFor } from "../target.js";
import { addBucketOptions, type BucketCliOptions } from "./target-options.js";

export const REDRIVE_QUEUES = ["jobs", "organize", "notify", "audit"] as const;
export type RedriveQueue = (typeof REDRIVE_QUEUES)[number];

/** States after which running a job again only duplicates what exists. */
const FINAL = new Set(["generated", "organized", "notified", "rejected"]);

interface RedriveOptions extends BucketCliOptions {
  queue: string;
  max: string;
  force?: boolean;
}

export interface RedriveLine {
  messageId: string;
  jobId?: string;
  action: "moved" | "refused" | "failed";
  reason?: string;
}

function queueNames(topology: Topology, queue: RedriveQueue): { queueName: string; dlqName: string } {
  const spec =
    queue === "jobs"
      ? topology.jobs
      : topology.consumers[({ organize: "organizer", notify: "notifier", audit: "auditor" } as const)[queue]];
  return { queueName: spec.queueName, dlqName: spec.dlqName };
}

async function urlOf(sqs: SQSClient, name: string, prefix: string): Promise<string> {
  try {
    const out = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    if (!out.QueueUrl) throw new Error("GetQueueUrl returned no QueueUrl");
    return out.QueueUrl;
  } catch (error) {
    if (isAwsNotFound(error))
      throw new TargetNotFoundError(
        `queue "${name}" does not exist: check --prefix / REPORTS_PREFIX (prefix "${prefix}")`,
        {
          cause: error,
        },
      );
    throw error;
  }
}

/** The job id a dead letter is about: a job's `jobId`, an event's `detail.jobId`. */
function jobIdOf(message: Message): string | undefined {
  try {
    const body = JSON.parse(message.Body ?? "") as { jobId?: unknown; detail?: { jobId?: unknown } };
    const id = body.jobId ?? body.detail?.jobId;
    return typeof id === "string" && /^[A-Za-z0-9_-]{1,128}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/** String and Number attributes travel with the message (binary ones are not used by the pipeline). */
function attributesOf(message: Message): Record<string, MessageAttributeValue> | undefined {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    if (value.StringValue !== undefined && value.DataType !== undefined)
      out[name] = { DataType: value.DataType, StringValue: value.StringValue };
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export function registerRedrive(program: Command, ctx: CliContext): Command {
  const command = program
    .command("redrive")
    .summary("move dead-lettered messages back to their queue")
    .description(
      "Move dead-lettered messages back to the queue they died on, one by one (sent, then deleted from the DLQ: nothing is lost if it stops part-way). A job whose audit trail already shows a report or a rejection is refused and stays in the DLQ unless --force. Prints one JSON line per message and a summary line.\n\n" +
        "Exit codes: 0 every message handled (moved or refused); 1 a message could not be moved (it stays in the DLQ) or AWS refused a call; 2 invalid input.",
    )
    .option("--queue <queue>", `which DLQ: ${REDRIVE_QUEUES.join(" | ")}`, "jobs")
    .option("--max <n>", "move at most this many messages (1-10000)", "100")
    .option("--force", "also redrive jobs that already have a report or were rejected");
  addBucketOptions(command);
  command.action(async (options: RedriveOptions) => {
    if (!(REDRIVE_QUEUES as readonly string[]).includes(options.queue))
      throw new ValidationError(
        `--queue: must be one of ${REDRIVE_QUEUES.join(", ")}, got "${options.queue}"`,
        {
          fields: ["--queue"],
        },
      );
    const max = Number(options.max);
    if (!Number.isInteger(max) || max < 1 || max > 10_000)
      throw new ValidationError(`--max: must be an integer from 1 to 10000, got "${options.max}"`, {
        fields: ["--max"],
      });
    const queue = options.queue as RedriveQueue;
    const topology = topologyFor(options, ctx.env);
    const aws = ctx.aws(options.endpointUrl);
    const { queueName, dlqName } = queueNames(topology, queue);
    const [queueUrl, dlqUrl] = [
      await urlOf(aws.sqs, queueName, topology.prefix),
      await urlOf(aws.sqs, dlqName, topology.prefix),
    ];
    const trail = new S3AuditTrail(aws.s3, bucketFor(options, ctx.env));
    const counts = { moved: 0, refused: 0, failed: 0 };
    // a message stays hidden while this run handles it (so one run does not see it twice); the refused
    // ones are made visible again when the run ends, for the next run (or --force)
    const hideSeconds = 300;
    const refused: string[] = [];
    let handled = 0;
    while (handled < max && !ctx.signal.aborted) {
      const out = await aws.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: dlqUrl,
          MaxNumberOfMessages: Math.min(10, max - handled),
          WaitTimeSeconds: 1,
          VisibilityTimeout: hideSeconds,
          MessageAttributeNames: ["All"],
        }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) break;
      for (const message of messages) {
        handled += 1;
        const jobId = jobIdOf(message);
        const line: RedriveLine = {
          messageId: message.MessageId ?? "",
          action: "moved",
          ...(jobId ? { jobId } : {}),
        };
        try {
          if (queue === "jobs" && jobId && !options.force) {
            const status = await getJobStatus(trail, jobId);
            if (status && FINAL.has(status.state)) {
              line.action = "refused";
              line.reason = `job ${jobId} is ${status.state}; --force to run it again`;
              if (message.ReceiptHandle) refused.push(message.ReceiptHandle);
            }
          }
          if (line.action === "moved") {
            const attributes = attributesOf(message);
            await aws.sqs.send(
              new SendMessageCommand({
                QueueUrl: queueUrl,
                MessageBody: message.Body ?? "",
                ...(attributes ? { MessageAttributes: attributes } : {}),
              }),
            );
            await aws.sqs.send(
              new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: message.ReceiptHandle }),
            );
          }
        } catch (error) {
          line.action = "failed";
          line.reason = (error as Error).name || "Error";
        }
        counts[line.action === "moved" ? "moved" : line.action === "refused" ? "refused" : "failed"] += 1;
        ctx.out(JSON.stringify(line));
      }
    }
    for (const handle of refused) {
      await aws.sqs
        .send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: dlqUrl,
            ReceiptHandle: handle,
            VisibilityTimeout: 0,
          }),
        )
        .catch(() => {}); // if this fails it shows again after hideSeconds
    }
    ctx.out(JSON.stringify({ queue, dlq: dlqName, to: queueName, ...counts }));
    ctx.err(
      `redrive ${queue}: ${counts.moved} moved to ${queueName}, ${counts.refused} refused (left in ${dlqName}), ${counts.failed} failed`,
    );
    if (counts.failed > 0) ctx.exitCode = EXIT.failed;
  });
  return command;
}
