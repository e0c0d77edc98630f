/**
 * Makes "a dead-lettered job has a final ReportFailed" true even when the worker could not say so itself:
 * if a process crashes during a job's last allowed receive, SQS moves the message to the DLQ with no event.
 * The sweeper looks at the jobs DLQ now and then; for each job there whose audit trail shows no terminal
 * state yet, it emits a final ReportFailed (code JOB_DEAD_LETTERED). Messages stay in the DLQ (an operator
 * redrives or inspects them); a long visibility timeout keeps one sweep from seeing them again soon.
 */

import { type Message, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { eventErrorOf } from "#events/error-codes.js";
import { DetailType, SCHEMA_VERSION } from "#events/names.js";
import { eventIdFor } from "#events/report-events.schema.js";
import { parseReportJob, type ReportJob } from "#events/report-job.schema.js";
import type { EventSink } from "#services/shared/event-sink.js";
import type { Logger } from "#services/shared/logger.js";
import { receiveCountOf } from "#services/shared/queues.js";
import type { JobStatus } from "#services/status/job-status.js";

export interface DlqSweeperDeps {
  sqs: SQSClient;
  dlqUrl: string;
  events: EventSink;
  status: (jobId: string) => Promise<JobStatus | undefined>;
  logger: Logger;
  /** How long a swept message stays hidden from the next sweep, seconds. */
  hideSeconds: number;
}

const TERMINAL = new Set(["failed", "rejected", "generated", "organized", "notified"]);

/** One pass over (up to `maxMessages` of) the DLQ; returns how many final failures it emitted. */
export async function sweepDeadLetters(deps: DlqSweeperDeps, maxMessages = 100): Promise<number> {
  let emitted = 0;
  for (let seen = 0; seen < maxMessages; ) {
    const out = await deps.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: deps.dlqUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: deps.hideSeconds,
        MessageSystemAttributeNames: ["ApproximateReceiveCount"],
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) break;
    seen += messages.length;
    for (const m of messages) if (await sweepOne(m, deps)) emitted += 1;
  }
  return emitted;
}

async function sweepOne(message: Message, deps: DlqSweeperDeps): Promise<boolean> {
  let job: ReportJob;
  try {
    job = parseReportJob(JSON.parse(message.Body ?? ""));
  } catch {
    return false; // not a job: rejected bodies are deleted by the worker, so this is someone's manual send
  }
  const status = await deps.status(job.jobId);
  if (status && TERMINAL.has(status.state)) return false;
  const attempt = receiveCountOf(message);
  await deps.events.publish({
    detailType: DetailType.ReportFailed,
    detail: {
      schemaVersion: SCHEMA_VERSION,
      // One id per job: repeated sweeps re-emit the same event, which consumers dedupe.
      eventId: eventIdFor(job.jobId, `${DetailType.ReportFailed}:dead-lettered`),
      jobId: job.jobId,
      reportType: job.reportType,
      ...(job.correlationId ? { correlationId: job.correlationId } : {}),
      error: eventErrorOf({ code: "JOB_DEAD_LETTERED", retryable: false }),
      attempt,
      final: true,
      ...(job.delivery ? { delivery: job.delivery } : {}),
    },
  });
  deps.logger.error("dead-lettered job reported as failed", {
    jobId: job.jobId,
    messageId: message.MessageId,
  });
  return true;
}
