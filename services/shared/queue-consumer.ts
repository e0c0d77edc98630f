/**
 * The consumer plumbing every process uses (worker, organizer, notifier, auditor): `sqs-consumer` pollers
 * with a bounded number of messages in flight, a heartbeat that extends visibility while a handler runs,
 * explicit outcomes (delete / retry later / release now), and a drain on stop that finishes in-flight
 * messages within a deadline and releases the rest (visibility 0) so another process takes them at once.
 *
 * sqs-consumer receives at most 10 messages per poll, so more than 10 in flight means several pollers.
 *
 * Deletes go out in batches (`DeleteMessageBatch`, up to 10): a handler that is done waits until every
 * message in flight is done too (sqs-consumer does not poll again before its whole batch is handled, so the
 * wait costs no throughput), 10 are waiting, or `DELETE_BATCH_MAX_WAIT_MS` passes. Its heartbeat runs until
 * the delete, so a done message never becomes visible again; a crash in between redelivers it, which every
 * handler already treats as a duplicate.
 */

import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  type Message,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { Consumer } from "sqs-consumer";
import { backoffDelay } from "#events/backoff.js";
import type { Logger } from "./logger.js";
import { receiveCountOf } from "./queues.js";

export type HandlerOutcome =
  /** Done (success or final failure already reported): delete the message. */
  | { action: "delete" }
  /** Leave the message for redelivery after `visibilityTimeoutSeconds`. */
  | { action: "retry"; visibilityTimeoutSeconds: number }
  /** Hand the message back at once (visibility 0). */
  | { action: "release" };

export interface QueueConsumerOptions {
  /** Name used in logs, e.g. "jobs". */
  name: string;
  sqs: SQSClient;
  queueUrl: string;
  /** Maximum messages in flight in this process. */
  concurrency: number;
  /** Visibility applied on receive and re-applied by each heartbeat, seconds. */
  visibilityTimeoutSeconds: number;
  /** Interval between visibility extensions while a handler runs, seconds (< visibility timeout). */
  heartbeatIntervalSeconds: number;
  /** Long-poll wait, seconds (default 20; shorter makes stop quicker). */
  waitTimeSeconds?: number;
  logger: Logger;
  handle(message: Message): Promise<HandlerOutcome>;
}

export interface StopResult {
  /** True if every in-flight message finished before the deadline. */
  drained: boolean;
  /** Messages released (visibility 0) because the deadline passed. */
  released: number;
}

/** How many pollers and what batch size give `concurrency` messages in flight. */
export function pollerPlan(concurrency: number): { pollers: number; batchSize: number } {
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new Error("concurrency must be an integer >= 1");
  const pollers = Math.ceil(concurrency / 10);
  return { pollers, batchSize: Math.ceil(concurrency / pollers) };
}

/** How long a done message waits for others to share its DeleteMessageBatch, at most. */
export const DELETE_BATCH_MAX_WAIT_MS = 250;
const DELETE_BATCH_MAX = 10;

interface PendingDelete {
  message: Message;
  resolve(): void;
  reject(error: unknown): void;
}

export class QueueConsumer {
  private readonly consumers: Consumer[] = [];
  private readonly inFlight = new Map<string, Message>();
  private stopping = false;
  private pendingDeletes: PendingDelete[] = [];
  private deleteTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: QueueConsumerOptions) {
    if (options.heartbeatIntervalSeconds >= options.visibilityTimeoutSeconds) {
      throw new Error("heartbeatIntervalSeconds must be less than visibilityTimeoutSeconds");
    }
    const { pollers, batchSize } = pollerPlan(options.concurrency);
    for (let i = 0; i < pollers; i++) {
      const consumer = Consumer.create({
        queueUrl: options.queueUrl,
        sqs: options.sqs,
        batchSize,
        visibilityTimeout: options.visibilityTimeoutSeconds,
        heartbeatInterval: options.heartbeatIntervalSeconds,
        waitTimeSeconds: options.waitTimeSeconds ?? 20,
        messageSystemAttributeNames: ["ApproximateReceiveCount", "SentTimestamp"],
        messageAttributeNames: ["All"],
        // onMessage deletes, in batches (see deleteWhenDone)
        shouldDeleteMessages: false,
        handleMessage: (message) => this.onMessage(message),
      });
      consumer.on("error", (error, message) => {
        // A heartbeat that races the deletion of its message finds the receipt handle gone: expected, and
        // not an alarm (the message was processed).
        const benign = /ReceiptHandle is invalid|receipt handle has expired/i.test(String(error?.message));
        options.logger[benign ? "debug" : "error"](
          benign ? "heartbeat after delete ignored" : "queue consumer error",
          {
            queue: options.name,
            error,
            ...messageFields(message),
          },
        );
      });
      consumer.on("processing_error", (error, message) =>
        options.logger.error("message processing error", {
          queue: options.name,
          error,
          ...messageFields(message),
        }),
      );
      this.consumers.push(consumer);
    }
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  get isRunning(): boolean {
    return !this.stopping && this.consumers.some((c) => c.status.isRunning);
  }

  start(): void {
    this.stopping = false;
    for (const c of this.consumers) c.start();
    this.options.logger.info("consumer started", {
      queue: this.options.name,
      concurrency: this.options.concurrency,
      pollers: this.consumers.length,
    });
  }

  private async setVisibility(message: Message, seconds: number): Promise<void> {
    try {
      await this.options.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.options.queueUrl,
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: seconds,
        }),
      );
    } catch (error) {
      this.options.logger.warn("could not change message visibility", {
        queue: this.options.name,
        error,
        ...messageFields(message),
      });
    }
  }

  private async onMessage(message: Message): Promise<Message | undefined> {
    if (this.stopping) {
      // Received by a poll that was already under way when stop began: give it straight back.
      await this.setVisibility(message, 0);
      return undefined;
    }
    const id = message.MessageId ?? message.ReceiptHandle ?? String(Math.random());
    this.inFlight.set(id, message);
    try {
      const outcome = await this.options.handle(message);
      switch (outcome.action) {
        case "delete":
          await this.deleteWhenDone(message).catch((error) =>
            // Handled already; redelivered, it is a duplicate to every handler.
            this.options.logger.warn("could not delete a handled message; it will be redelivered", {
              queue: this.options.name,
              error,
              ...messageFields(message),
            }),
          );
          return message;
        case "retry":
          await this.setVisibility(message, outcome.visibilityTimeoutSeconds);
          return undefined;
        case "release":
          await this.setVisibility(message, 0);
          return undefined;
      }
    } catch (error) {
      // Handlers report their own failures; anything that escapes is unexpected. The message stays
      // invisible until its visibility timeout and is then redelivered (and eventually dead-lettered).
      this.options.logger.error("handler threw; message left for redelivery", {
        queue: this.options.name,
        error,
        ...messageFields(message),
      });
      return undefined;
    } finally {
      this.inFlight.delete(id);
    }
  }

  /**
   * Deletes a handled message together with others: resolves once its DeleteMessageBatch entry succeeded,
   * rejects if it failed (the message is then redelivered and handled as a duplicate).
   */
  private deleteWhenDone(message: Message): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pendingDeletes.push({ message, resolve, reject });
      const everyoneDone = this.pendingDeletes.length >= this.inFlight.size;
      if (everyoneDone || this.pendingDeletes.length >= DELETE_BATCH_MAX || this.stopping)
        this.flushDeletes();
      else this.deleteTimer ??= setTimeout(() => this.flushDeletes(), DELETE_BATCH_MAX_WAIT_MS);
    });
  }

  private flushDeletes(): void {
    if (this.deleteTimer) clearTimeout(this.deleteTimer);
    this.deleteTimer = undefined;
    while (this.pendingDeletes.length > 0) {
      void this.deleteBatch(this.pendingDeletes.splice(0, DELETE_BATCH_MAX));
    }
  }

  private async deleteBatch(batch: PendingDelete[]): Promise<void> {
    const byId = new Map(batch.map((p, i) => [String(i), p]));
    try {
      const out = await this.options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: [...byId].map(([Id, p]) => ({ Id, ReceiptHandle: p.message.ReceiptHandle })),
        }),
      );
      for (const failed of out.Failed ?? []) {
        const p = failed.Id === undefined ? undefined : byId.get(failed.Id);
        if (!p) continue;
        byId.delete(failed.Id as string);
        p.reject(
          new Error(`DeleteMessageBatch entry failed: ${failed.Code ?? "unknown"} ${failed.Message ?? ""}`),
        );
      }
      for (const p of byId.values()) p.resolve();
    } catch (error) {
      for (const p of byId.values()) p.reject(error);
    }
  }

  /**
   * Stops receiving, waits up to `drainTimeoutMs` for in-flight handlers, then releases what is left
   * (visibility 0) so another process takes it. `beforeRelease` runs first when something is left (the
   * worker cancels the warehouse statements of those jobs, so none runs twice at once).
   */
  async stop(
    drainTimeoutMs: number,
    options: { beforeRelease?: () => Promise<void> } = {},
  ): Promise<StopResult> {
    this.stopping = true;
    for (const c of this.consumers) c.stop();
    this.flushDeletes();
    const deadline = Date.now() + drainTimeoutMs;
    const busy = () => this.inFlight.size > 0 || this.consumers.some((c) => c.status.isPolling);
    // Waits for in-flight handlers and for a long poll already under way (whatever it returns is released
    // at once by onMessage), so nothing is left invisible behind us.
    while (busy() && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const left = [...this.inFlight.values()];
    if (left.length > 0 && options.beforeRelease) {
      await options
        .beforeRelease()
        .catch((error) =>
          this.options.logger.warn("before-release step failed; releasing anyway", { error }),
        );
    }
    await Promise.all(left.map((m) => this.setVisibility(m, 0)));
    this.options.logger.info("consumer stopped", {
      queue: this.options.name,
      drained: left.length === 0,
      released: left.length,
    });
    return { drained: left.length === 0, released: left.length };
  }
}

export function messageFields(message: Message | Message[] | undefined): Record<string, unknown> {
  if (!message || Array.isArray(message)) return {};
  return {
    messageId: message.MessageId,
    receiveCount: message.Attributes?.ApproximateReceiveCount ? receiveCountOf(message) : undefined,
  };
}

/** Exponential visibility backoff for attempt n (1-based): base·2^(n-1), capped; no jitter. */
export function backoffSeconds(attempt: number, baseSeconds: number, maxSeconds = 900): number {
  return backoffDelay(attempt, baseSeconds, maxSeconds, { jitter: false });
}
