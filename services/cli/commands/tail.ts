/** Reads a tap until a condition, a deadline or Ctrl-C; shared by `submit --wait` and `events`. */
import type { BusEvent, EventTap } from "../event-tap.js";

export type TailEnd = "done" | "timeout" | "interrupted";

export async function tailTap(
  tap: EventTap,
  options: { deadline?: number; signal: AbortSignal; onEvent: (event: BusEvent) => boolean | undefined },
): Promise<TailEnd> {
  for (;;) {
    if (options.signal.aborted) return "interrupted";
    const remainingMs =
      options.deadline === undefined ? Number.POSITIVE_INFINITY : options.deadline - Date.now();
    if (remainingMs <= 0) return "timeout";
    const waitSeconds = Math.max(1, Math.min(5, Math.ceil(remainingMs / 1000)));
    let events: BusEvent[];
    try {
      events = await tap.poll({ waitSeconds, signal: options.signal });
    } catch (error) {
      if (options.signal.aborted) return "interrupted";
      throw error;
    }
    for (const event of events) if (options.onEvent(event) === true) return "done";
  }
}
