/**
 * Per-caller quota of the intake (defence in depth behind the gateway's stage throttling): a token bucket
 * per authenticated caller, counted in jobs (a `POST /jobs` or a `GET /jobs/{id}` is one, a Snowflake batch
 * one per row), refilled at `perMinute` up to `burst`. Past it the answer is 429 with `retry-after`, which
 * Snowflake's external functions and the SDKs retry with backoff. A batch larger than the bucket could ever
 * hold is refused outright (it would never fit), naming the limit.
 *
 * Memory stays bounded: at most `maxCallers` buckets; when full, buckets that have refilled completely (an
 * idle caller, indistinguishable from a new one) are dropped first, then the oldest.
 */
import { HttpError } from "#services/shared/http-server.js";

export interface CallerQuotaOptions {
  /** Jobs a caller may submit per minute, steadily (INTAKE_CALLER_JOBS_PER_MINUTE). */
  perMinute: number;
  /** Jobs a caller may submit at once (INTAKE_CALLER_BURST). */
  burst: number;
  /** Callers tracked at most (default 10 000). */
  maxCallers?: number;
  /** Clock in ms (tests pin it). */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class CallerQuota {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private readonly maxCallers: number;
  private readonly now: () => number;

  constructor(private readonly options: CallerQuotaOptions) {
    if (!(options.perMinute > 0) || !(options.burst >= 1))
      throw new Error("quota: perMinute and burst must be positive");
    this.perMs = options.perMinute / 60_000;
    this.maxCallers = options.maxCallers ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Takes `jobs` from the caller's bucket, or throws HttpError 429 (nothing taken). */
  take(caller: string, jobs: number): void {
    const { burst, perMinute } = this.options;
    if (jobs > burst) {
      throw new HttpError(
        429,
        "QUOTA_EXCEEDED",
        `${jobs} jobs in one request exceed this caller's burst of ${burst}; send at most ${burst} at once`,
      );
    }
    const now = this.now();
    const bucket = this.refilled(caller, now);
    if (bucket.tokens < jobs) {
      const waitSeconds = Math.max(1, Math.ceil((jobs - bucket.tokens) / this.perMs / 1000));
      throw new HttpError(
        429,
        "QUOTA_EXCEEDED",
        `caller quota exceeded (${perMinute} jobs per minute, ${burst} at once); retry in ${waitSeconds} s`,
        undefined,
        { "retry-after": String(waitSeconds) },
      );
    }
    bucket.tokens -= jobs;
  }

  /** Callers currently tracked. */
  get size(): number {
    return this.buckets.size;
  }

  private refilled(caller: string, now: number): Bucket {
    const { burst } = this.options;
    let bucket = this.buckets.get(caller);
    if (bucket) {
      bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.at) * this.perMs);
      bucket.at = now;
      return bucket;
    }
    if (this.buckets.size >= this.maxCallers) this.evict(now);
    bucket = { tokens: burst, at: now };
    this.buckets.set(caller, bucket);
    return bucket;
  }

  private evict(now: number): void {
    const { burst } = this.options;
    for (const [caller, b] of this.buckets) {
      if (b.tokens + (now - b.at) * this.perMs >= burst) this.buckets.delete(caller);
    }
    // Everyone is mid-burst: drop the oldest (Map keeps insertion order).
    while (this.buckets.size >= this.maxCallers) {
      const oldest = this.buckets.keys().next().value;
      if (oldest === undefined) break;
      this.buckets.delete(oldest);
    }
  }
}
