/**
 * How every long-running process ends: on SIGTERM (ECS stop) or SIGINT (Ctrl-C) it drains through
 * `stop()` and exits 0, or 1 if draining failed.
 */
import type { Logger } from "./logger.js";

export function stopOnSignals(
  stop: () => Promise<unknown>,
  logger: Logger,
  context: () => Record<string, unknown> = () => ({}),
) {
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info("signal received; draining", { signal, ...context() });
    stop().then(
      () => process.exit(0),
      (error) => {
        logger.error("stop failed", { error });
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
}
