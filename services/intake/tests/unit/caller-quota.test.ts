import { describe, expect, it } from "vitest";
import { HttpError } from "#services/shared/http-server.js";
import { CallerQuota } from "../../caller-quota.js";

const refused = (fn: () => void) => {
  try {
    fn();
    return undefined;
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    return { status: error.status, code: error.code, retryAfter: error.headers?.["retry-after"] };
  }
};

describe("CallerQuota", () => {
  it("lets a caller burst, refuses beyond it with retry-after, and refills at the per-minute rate", () => {
    let now = 0;
    const quota = new CallerQuota({ perMinute: 60, burst: 10, now: () => now });

    quota.take("a", 10);
    expect(refused(() => quota.take("a", 1))).toEqual({
      status: 429,
      code: "QUOTA_EXCEEDED",
      retryAfter: "1",
    });
    expect(refused(() => quota.take("b", 10))).toBeUndefined();

    now += 5_000;
    expect(refused(() => quota.take("a", 5))).toBeUndefined();
    expect(refused(() => quota.take("a", 5))?.retryAfter).toBe("5");
  });

  it("refuses at once a request larger than the burst could ever hold", () => {
    const quota = new CallerQuota({ perMinute: 600, burst: 500 });

    expect(refused(() => quota.take("snowflake", 501))).toMatchObject({ status: 429, retryAfter: undefined });
    expect(refused(() => quota.take("snowflake", 500))).toBeUndefined();
  });

  it("tracks a bounded number of callers, dropping idle ones first", () => {
    let now = 0;
    const quota = new CallerQuota({ perMinute: 60, burst: 2, maxCallers: 3, now: () => now });
    quota.take("busy", 2);
    quota.take("idle-1", 1);
    quota.take("idle-2", 1);
    now += 60_000;
    quota.take("new", 1);

    expect(quota.size).toBeLessThanOrEqual(3);
    // the busy caller refilled too by now; what matters is that no caller was lost mid-burst while idle ones existed
    for (let i = 0; i < 100; i++) quota.take(`c${i}`, 1);
    expect(quota.size).toBeLessThanOrEqual(3);
  });
});
