/**
 * The common half of every event consumer (organizer, notifier, auditor), on the same queue plumbing as
 * the worker: unwrap the EventBridge envelope from the SQS body, validate the detail against the
 * contract, claim the event id (exactly-once effects), run the consumer's handler, and apply one failure
 * policy: retryable errors come back with growing visibility (the redrive policy dead-letters them after
 * N receives); a message that is not a valid event, or a non-retryable error, goes to the consumer's DLQ
 * at once with the reason attached — never lost, never looping.
 */
import { type Message, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { toPipelineError, ValidationError } from "#events/errors.js";
import { type DetailType, EVENT_SOURCE } from "#events/names.js";
import { isDetailType, parseReportEvent, type ReportEventDetailMap } from "#events/report-events.schema.js";
import type { ConsumerId } from "#events/topology.js";
import type { Logger } from "#services/shared/logger.js";
import { backoffSeconds, type HandlerOutcome } from "#services/shared/queue-consumer.js";
import { receiveCountOf } from "#services/shared/queues.js";
import type { EventLedger } from "./event-ledger.js";

/** An event as a consumer sees it: the envelope's id and time plus the validated, typed detail. */
export type ReportEventEnvelope = {
  [K in DetailType]: {
    id: string;
    time: string;
    source: string;
    detailType: K;
    detail: ReportEventDetailMap[K];
  };
}[DetailType];

export interface ConsumerDefinition {
  id: ConsumerId;
  /** Detail-types this consumer acts on; anything else its rule delivers is acknowledged and ignored. */
  accepts: readonly DetailType[];
  /** Run the handler under the ledger (exactly-once effects); off when the effect is itself idempotent. */
  useLedger: boolean;
  handle(event: ReportEventEnvelope, log: Logger): Promise<void>;
}

export interface EventConsumerDeps {
  sqs: SQSClient;
  /** The consumer's DLQ, for events that can never be processed. */
  dlqUrl: string;
  ledger?: EventLedger;
  logger: Logger;
  maxReceiveCount: number;
  retryBaseSeconds: number;
}

/** Parses an SQS body written by an EventBridge SQS target into a validated envelope. */
export function parseEnvelope(body: string | undefined): ReportEventEnvelope {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(body ?? "");
  } catch (error) {
    throw new ValidationError("message body is not valid JSON", { fields: ["(body)"], cause: error });
  }
  if (typeof raw !== "object" || raw === null)
    throw new ValidationError("message body is not an event object");
  if (raw.source !== EVENT_SOURCE) {
    throw new ValidationError(`source: must be ${EVENT_SOURCE}, got ${String(raw.source)}`, {
      fields: ["source"],
    });
  }
  const detailType = raw["detail-type"];
  if (!isDetailType(detailType)) {
    throw new ValidationError(`detail-type: unknown ${String(detailType)}`, { fields: ["detail-type"] });
  }
  const detail = parseReportEvent(detailType, raw.detail);
  return {
    id: String(raw.id ?? ""),
    time: typeof raw.time === "string" ? raw.time : new Date().toISOString(),
    source: EVENT_SOURCE,
    detailType,
    detail,
  } as ReportEventEnvelope;
}

async function deadLetter(message: Message, reason: string, deps: EventConsumerDeps, consumer: string) {
  await deps.sqs.send(
    new SendMessageCommand({
      QueueUrl: deps.dlqUrl,
      MessageBody: message.Body ?? "",
      MessageAttributes: {
        deadLetterReason: { DataType: "String", StringValue: reason.slice(0, 1024) },
        consumer: { DataType: "String", StringValue: consumer },
        originalMessageId: { DataType: "String", StringValue: message.MessageId ?? "unknown" },
      },
    }),
  );
}

export async function processEventMessage(
  message: Message,
  def: ConsumerDefinition,
  deps: EventConsumerDeps,
): Promise<HandlerOutcome> {
  const attempt = receiveCountOf(message);
  const log = deps.logger.child({ messageId: message.MessageId, attempt });

  let event: ReportEventEnvelope;
  try {
    event = parseEnvelope(message.Body);
  } catch (error) {
    const reason = (error as Error).message;
    await deadLetter(message, `not a valid report event: ${reason}`, deps, def.id);
    log.error("invalid event moved to the DLQ", { error });
    return { action: "delete" };
  }
  if (!def.accepts.includes(event.detailType)) return { action: "delete" };

  const detail = event.detail as { eventId: string; jobId?: string; correlationId?: string };
  const elog = log.child({
    eventId: detail.eventId,
    detailType: event.detailType,
    ...(detail.jobId ? { jobId: detail.jobId } : {}),
    ...(detail.correlationId ? { correlationId: detail.correlationId } : {}),
  });

  if (deps.ledger) {
    const claim = await deps.ledger.claim(detail.eventId);
    if (claim.status === "done") {
      elog.info("event already handled; duplicate ignored");
      return { action: "delete" };
    }
    if (claim.status === "busy") {
      elog.info("event is being handled by another delivery; will look again");
      return { action: "retry", visibilityTimeoutSeconds: Math.max(1, deps.retryBaseSeconds) };
    }
  }

  try {
    await def.handle(event, elog);
    await deps.ledger?.complete(detail.eventId);
    return { action: "delete" };
  } catch (error) {
    const e = toPipelineError(error);
    await deps.ledger
      ?.release(detail.eventId)
      .catch((releaseError) =>
        elog.warn("could not release the claim; it will go stale", { error: releaseError }),
      );
    if (!e.retryable) {
      await deadLetter(message, `${e.code}: ${e.message}`, deps, def.id);
      elog.error("event failed (not retryable); moved to the DLQ", { error: e });
      return { action: "delete" };
    }
    if (attempt >= deps.maxReceiveCount) {
      elog.error("event failed on its last attempt; the redrive policy takes it to the DLQ", { error: e });
      return { action: "release" };
    }
    const visibilityTimeoutSeconds = backoffSeconds(attempt, deps.retryBaseSeconds);
    elog.warn("event failed; will retry", { error: e, retryInSeconds: visibilityTimeoutSeconds });
    return { action: "retry", visibilityTimeoutSeconds };
  }
}
