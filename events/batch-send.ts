/**
 * The one "send in batches, resend only what failed" loop of the typed clients: PutEvents (the event
 * publisher) and SendMessageBatch (the job submitter) both answer per entry, so both send in rounds: plan
 * the pending entries into batches, send each batch, keep the entries that succeeded, and after a backoff
 * (events/backoff.ts) resend the ones whose failure is retryable, until `maxAttempts` calls per entry.
 *
 * @example
 * ```ts
 * const outcomes = await sendInBatches(entries.length, {
 *   plan: (pending) => ({ batches: chunk(pending, 10) }),
 *   send: async (batch) => batch.map(() => ({ ok: true, value: "id" })),
 * });
 * outcomes[0]; // { attempts: 1, ok: true, value: "id" }
 * ```
 */
import { backoffDelay } from "./backoff.js";

/** Why an entry was not accepted, and whether sending it again may help. */
export interface EntryError {
  code: string;
  message: string;
  retryable: boolean;
  /** Whether a later round may resend the entry (default: `retryable`); false for a failure that would repeat. */
  resend?: boolean;
}

export type EntryResult<R> = { ok: true; value: R } | { ok: false; error: EntryError };

/** An entry's final result and the calls it took (0 when it was refused before any call). */
export type EntryOutcome<R> = EntryResult<R> & { attempts: number };

export interface BatchSendOptions<R> {
  /**
   * Splits pending entry indexes into batches (each sent in one call); `refused` entries can never be sent
   * (e.g. too large) and fail at once with that error.
   */
  plan(pending: number[]): { batches: number[][]; refused?: { index: number; error: EntryError }[] };
  /** Sends one batch; one result per entry, in batch order (a missing one counts as a retryable failure). */
  send(batch: number[]): Promise<EntryResult<R>[]>;
  /** Calls per entry before its last failure is final (default 4). */
  maxAttempts?: number;
  /** First backoff delay in ms (default 100), doubling per round with jitter. */
  baseDelayMs?: number;
  /** Largest backoff delay in ms (default 2000). */
  maxDelayMs?: number;
}

const NO_RESULT: EntryError = {
  code: "NoResult",
  message: "the call did not report this entry",
  retryable: true,
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Sends entries `0 … count-1` in rounds; every entry's outcome, by index. */
export async function sendInBatches<R>(
  count: number,
  options: BatchSendOptions<R>,
): Promise<EntryOutcome<R>[]> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 4);
  const outcomes = new Array<EntryOutcome<R>>(count);
  const attempts = new Array<number>(count).fill(0);
  let pending = Array.from({ length: count }, (_, i) => i);
  for (let round = 1; pending.length > 0; round++) {
    if (round > 1)
      await sleep(backoffDelay(round - 1, options.baseDelayMs ?? 100, options.maxDelayMs ?? 2000));
    const { batches, refused = [] } = options.plan(pending);
    for (const { index, error } of refused)
      outcomes[index] = { ok: false, error, attempts: attempts[index] ?? 0 };
    const retry: number[] = [];
    for (const batch of batches) {
      const results = await options.send(batch);
      for (const [k, index] of batch.entries()) {
        const tries = (attempts[index] ?? 0) + 1;
        attempts[index] = tries;
        const result = results[k] ?? { ok: false, error: NO_RESULT };
        if (!result.ok && (result.error.resend ?? result.error.retryable) && tries < maxAttempts)
          retry.push(index);
        else outcomes[index] = { ...result, attempts: tries };
      }
    }
    pending = retry;
  }
  return outcomes;
}
