import { describe, expect, it } from "vitest";
import { type EntryResult, sendInBatches } from "../../batch-send.js";

const chunks = (size: number) => (pending: number[]) => ({
  batches: Array.from({ length: Math.ceil(pending.length / size) }, (_, b) =>
    pending.slice(b * size, (b + 1) * size),
  ),
});
const fast = { baseDelayMs: 0, maxDelayMs: 0 };

describe("sendInBatches", () => {
  it("resends only the entries whose failure is retryable, until maxAttempts, and keeps each outcome by index", async () => {
    const calls: number[][] = [];
    const outcomes = await sendInBatches<string>(5, {
      ...fast,
      maxAttempts: 3,
      plan: chunks(2),
      send: async (batch) => {
        calls.push(batch);
        return batch.map((i): EntryResult<string> => {
          if (i === 1)
            return { ok: false, error: { code: "Throttled", message: "slow down", retryable: true } };
          if (i === 3) return { ok: false, error: { code: "Invalid", message: "bad", retryable: false } };
          if (i === 4 && calls.length < 4)
            return { ok: false, error: { code: "Busy", message: "", retryable: true } };
          return { ok: true, value: `id-${i}` };
        });
      },
    });

    expect(calls).toEqual([[0, 1], [2, 3], [4], [1, 4], [1]]);
    expect(outcomes.map((o) => (o.ok ? o.value : o.error.code))).toEqual([
      "id-0",
      "Throttled",
      "id-2",
      "Invalid",
      "id-4",
    ]);
    expect(outcomes.map((o) => o.attempts)).toEqual([1, 3, 1, 1, 2]);
  });

  it("fails refused entries without a call, counts a missing result as retryable, and honours resend: false", async () => {
    let calls = 0;
    const outcomes = await sendInBatches<string>(3, {
      ...fast,
      maxAttempts: 2,
      plan: (pending) => ({
        batches: [pending.filter((i) => i !== 0)],
        refused: pending.includes(0)
          ? [{ index: 0, error: { code: "TooLarge", message: "", retryable: false } }]
          : [],
      }),
      send: async (batch) => {
        calls++;
        // entry 1 gets no result at all; entry 2 a retryable failure that would repeat if resent
        const results: EntryResult<string>[] = [];
        const k = batch.indexOf(2);
        if (k >= 0)
          results[k] = { ok: false, error: { code: "Down", message: "", retryable: true, resend: false } };
        return results;
      },
    });

    expect(outcomes[0]).toMatchObject({ ok: false, attempts: 0, error: { code: "TooLarge" } });
    expect(outcomes[1]).toMatchObject({
      ok: false,
      attempts: 2,
      error: { code: "NoResult", retryable: true },
    });
    expect(outcomes[2]).toMatchObject({ ok: false, attempts: 1, error: { code: "Down", retryable: true } });
    expect(calls).toBe(2);
  });
});
