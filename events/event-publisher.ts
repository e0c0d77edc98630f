/**
 * The event publisher: puts report events on the pipeline's bus with EventBridge `PutEvents`. It validates
 * every detail against its detail-type's schema first (an invalid event is never sent), packs entries into
 * requests of at most 10 entries and 256 KB, resends only the entries EventBridge reports as failed, with
 * exponential backoff, and finally throws an {@link EventPublishError} listing what could not be published.
 *
 * @example
 * ```ts
 * import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
 * import { ReportEventPublisher } from "#events/event-publisher.js";
 * const publisher = new ReportEventPublisher(new EventBridgeClient({}), { busName: "rp-local-report-events" });
 * await publisher.publish({ detailType: "ReportGenerated", detail: generated });
 * ```
 */

import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from "@aws-sdk/client-eventbridge";
import { classifyAwsError } from "./aws-errors.js";
import { type EntryResult, sendInBatches } from "./batch-send.js";
import { EventPublishError, type FailedEventEntry, ValidationError } from "./errors.js";
import { type DetailType, EVENT_SOURCE } from "./names.js";
import {
  parseReportEvent,
  type ReportEventDetailInputMap,
  type ReportEventDetailMap,
} from "./report-events.schema.js";

/** PutEvents accepts at most this many entries per request. */
export const PUT_EVENTS_MAX_ENTRIES = 10;
/** PutEvents rejects a request whose entries add up to this many bytes or more (AWS entry-size rules). */
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;
/** Code reported for an entry that alone exceeds the request size limit; it is never sent. */
export const ENTRY_TOO_LARGE = "EntryTooLarge";

/** One event to publish: a detail-type and its detail (validated against that detail-type's schema). */
export type PublishableEvent = {
  [K in DetailType]: {
    detailType: K;
    detail: ReportEventDetailInputMap[K];
    /** Event time; EventBridge uses the time of the call when omitted. */
    time?: Date;
    /** ARNs the event concerns (e.g. the report object's). */
    resources?: string[];
  };
}[DetailType];

/** An event that was put on the bus. */
export interface PublishedEvent {
  index: number;
  detailType: DetailType;
  /** The detail's deterministic eventId. */
  eventId: string;
  /** The id EventBridge assigned to this delivery. */
  awsEventId: string;
  /** PutEvents calls it took (1 = no retry). */
  attempts: number;
}

export interface EventPublisherOptions {
  /** Name or ARN of the bus. */
  busName: string;
  /** Event `source`; the pipeline's {@link EVENT_SOURCE} by default. */
  source?: string;
  /** PutEvents calls per entry before giving up (default 4). */
  maxAttempts?: number;
  /** First backoff delay in ms (default 100); doubles per retry, with jitter. */
  baseDelayMs?: number;
  /** Largest backoff delay in ms (default 2000). */
  maxDelayMs?: number;
}

/**
 * Size of one entry as EventBridge counts it: Time (14 bytes when set) + Source + DetailType + Detail +
 * each Resource, in UTF-8 bytes.
 *
 * @example
 * ```ts
 * entrySize({ Source: "s", DetailType: "d", Detail: "{}" }); // 4
 * ```
 */
export function entrySize(entry: PutEventsRequestEntry): number {
  const bytes = (s: string | undefined) => (s === undefined ? 0 : Buffer.byteLength(s, "utf8"));
  return (
    (entry.Time ? 14 : 0) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    (entry.Resources ?? []).reduce((n, r) => n + bytes(r), 0)
  );
}

/**
 * Packs entries (by position) into PutEvents requests of at most `maxEntries` entries and under
 * `maxBytes` bytes, keeping their order; entries that alone reach `maxBytes` are returned in `tooLarge`.
 *
 * @example
 * ```ts
 * const { batches, tooLarge } = planBatches(entries.map(entrySize));
 * // batches: [[0, 1, ..., 9], [10, 11]]; tooLarge: indexes that can never be sent
 * ```
 */
export function planBatches(
  sizes: readonly number[],
  maxEntries = PUT_EVENTS_MAX_ENTRIES,
  maxBytes = PUT_EVENTS_MAX_BYTES,
): { batches: number[][]; tooLarge: number[] } {
  const batches: number[][] = [];
  const tooLarge: number[] = [];
  let current: number[] = [];
  let currentBytes = 0;
  sizes.forEach((size, index) => {
    if (size >= maxBytes) {
      tooLarge.push(index);
      return;
    }
    if (current.length === maxEntries || currentBytes + size >= maxBytes) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(index);
    currentBytes += size;
  });
  if (current.length > 0) batches.push(current);
  return { batches, tooLarge };
}

/**
 * Per-entry answers that resending cannot change: the role may not put this detail-type or source (IAM
 * `events:detail-type` / `events:source` conditions). Other per-entry failures are resent: the publisher
 * only sends details it validated and serialised itself, so a `MalformedDetail` means the entry was
 * damaged on the way (the integration tests make LocalStack answer exactly that).
 */
const REFUSED_ENTRY_CODES = new Set([
  "NotAuthorizedForDetailTypeException",
  "NotAuthorizedForSourceException",
  "AccessDeniedException",
]);

interface Pending {
  index: number;
  detailType: DetailType;
  eventId: string;
  jobId: string | undefined;
  entry: PutEventsRequestEntry;
}

/**
 * Publishes report events to one bus. Takes the EventBridge client through its constructor; holds no
 * other state, so one instance can serve a whole process.
 *
 * @example
 * ```ts
 * const publisher = new ReportEventPublisher(clients.events, { busName: topology.bus.name });
 * const [sent] = await publisher.publishAll([
 *   { detailType: "ReportStarted", detail: { schemaVersion: "1", eventId, jobId, reportType, attempt: 1, startedAt } },
 * ]);
 * ```
 */
export class ReportEventPublisher {
  private readonly source: string;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(
    private readonly client: EventBridgeClient,
    private readonly options: EventPublisherOptions,
  ) {
    if (!options.busName) throw new ValidationError("busName: is required", { fields: ["busName"] });
    this.source = options.source ?? EVENT_SOURCE;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 4);
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 2000;
  }

  /**
   * Publishes one event; throws ValidationError (invalid detail, nothing sent) or EventPublishError.
   *
   * @example
   * ```ts
   * const { eventId } = await publisher.publish({ detailType: "ReportFailed", detail: failed });
   * ```
   */
  async publish(event: PublishableEvent): Promise<PublishedEvent> {
    const [published] = await this.publishAll([event]);
    if (!published) throw new Error("unreachable: publishAll returned no result for one event");
    return published;
  }

  /**
   * Publishes events in as few PutEvents calls as the limits allow. Validates all of them first: one invalid
   * detail throws a ValidationError naming `events[i].<field>` and nothing is sent. Entries that still
   * fail after `maxAttempts` (or that are too large ever to send) are listed in the EventPublishError
   * thrown at the end; the other events are published regardless.
   *
   * @example
   * ```ts
   * const published = await publisher.publishAll(events); // in input order
   * ```
   */
  async publishAll(events: readonly PublishableEvent[]): Promise<PublishedEvent[]> {
    const pending = events.map((event, index) => this.toPending(event, index, events.length > 1));
    const outcomes = await sendInBatches(pending.length, {
      plan: (indexes) => {
        const { batches, tooLarge } = planBatches(
          indexes.map((i) => entrySize((pending[i] as Pending).entry)),
        );
        return {
          batches: batches.map((batch) => batch.map((k) => indexes[k] as number)),
          refused: tooLarge.map((k) => {
            const index = indexes[k] as number;
            const size = entrySize((pending[index] as Pending).entry);
            const message = `entry is ${size} bytes; PutEvents allows < ${PUT_EVENTS_MAX_BYTES}`;
            return { index, error: { code: ENTRY_TOO_LARGE, message, retryable: false } };
          }),
        };
      },
      send: (batch) => this.send(batch.map((i) => pending[i] as Pending)),
      maxAttempts: this.maxAttempts,
      baseDelayMs: this.baseDelayMs,
      maxDelayMs: this.maxDelayMs,
    });

    const failed: FailedEventEntry[] = [];
    const published: PublishedEvent[] = [];
    for (const [index, outcome] of outcomes.entries()) {
      const p = pending[index] as Pending;
      const facts = { index, detailType: p.detailType, eventId: p.eventId, attempts: outcome.attempts };
      if (outcome.ok) {
        published.push({ ...facts, awsEventId: outcome.value });
      } else {
        failed.push({
          ...facts,
          ...(p.jobId !== undefined ? { jobId: p.jobId } : {}),
          errorCode: outcome.error.code,
          errorMessage: outcome.error.message,
        });
      }
    }
    if (failed.length > 0) throw new EventPublishError(failed, published.length);
    return published;
  }

  private toPending(event: PublishableEvent, index: number, many: boolean): Pending {
    let detail: ReportEventDetailMap[DetailType];
    try {
      detail = parseReportEvent(event.detailType, event.detail);
    } catch (error) {
      if (!(error instanceof ValidationError) || !many) throw error;
      const fields = error.fields.map((f) => `events[${index}].${f}`);
      throw new ValidationError(`events[${index}]: ${error.message}`, { fields, cause: error });
    }
    const entry: PutEventsRequestEntry = {
      EventBusName: this.options.busName,
      Source: this.source,
      DetailType: event.detailType,
      Detail: JSON.stringify(detail),
      ...(event.time ? { Time: event.time } : {}),
      ...(event.resources ? { Resources: event.resources } : {}),
    };
    return {
      index,
      detailType: event.detailType,
      eventId: detail.eventId,
      jobId: detail.jobId,
      entry,
    };
  }

  /** One PutEvents call: each entry's EventId or error; a thrown error fails every entry of the request. */
  private async send(items: Pending[]): Promise<EntryResult<string>[]> {
    try {
      const out = await this.client.send(new PutEventsCommand({ Entries: items.map((i) => i.entry) }));
      return items.map((_, k): EntryResult<string> => {
        const result = out.Entries?.[k];
        if (result?.EventId && !result.ErrorCode) return { ok: true, value: result.EventId };
        const error = result?.ErrorCode
          ? {
              code: result.ErrorCode,
              message: result.ErrorMessage ?? "",
              retryable: !REFUSED_ENTRY_CODES.has(result.ErrorCode),
            }
          : { code: "NoResult", message: "PutEvents returned no result for the entry", retryable: true };
        return { ok: false, error };
      });
    } catch (error) {
      // The SDK already retried throttling and server errors; a client fault (validation, access) is permanent.
      const facts = classifyAwsError(error);
      const message = error instanceof Error ? error.message : String(error);
      const failure = { code: facts.awsCode, message, retryable: facts.retryable };
      return items.map(() => ({ ok: false, error: failure }));
    }
  }
}
