/**
 * The one exponential backoff of the pipeline: the typed clients' retry rounds (PutEvents, SendMessage),
 * the consumers' visibility backoff and the notifier's webhook retries all use it.
 *
 * @example
 * ```ts
 * await sleep(backoffDelay(round, 100, 2000)); // 50–100 ms, 100–200 ms, … up to 1–2 s
 * ```
 */

/**
 * Delay before retry `retry` (1-based): min(max, base·2^(retry-1)); with jitter (the default) a random
 * value between half of that and all of it, so retrying callers spread out.
 */
export function backoffDelay(
  retry: number,
  base: number,
  max: number,
  { jitter = true }: { jitter?: boolean } = {},
): number {
  const ceiling = Math.min(max, base * 2 ** Math.max(0, retry - 1));
  return Math.round(jitter ? ceiling / 2 + (Math.random() * ceiling) / 2 : ceiling);
}
