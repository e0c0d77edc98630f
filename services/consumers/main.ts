/**
 * Runs event consumers as a process: each consumer's `main.ts` calls `runConsumersMain` with its own
 * factory (services/organizer/main.ts, …). Configuration: services/consumers/config.ts (exit 2 naming the
 * variable when it is bad). SIGTERM/SIGINT drain and exit 0.
 */
import { createLogger } from "#services/shared/logger.js";
import { stopOnSignals } from "#services/shared/process-lifecycle.js";
import { readConsumerConfig } from "./config.js";
import { type ConsumerFactory, type ConsumerHostOptions, startConsumers } from "./run-consumers.js";

export async function runConsumersMain(
  factories: readonly ConsumerFactory[],
  service: string,
  options: ConsumerHostOptions = {},
): Promise<void> {
  let config: ReturnType<typeof readConsumerConfig>;
  try {
    config = readConsumerConfig();
  } catch (error) {
    createLogger({ service }).error((error as Error).message, { error });
    process.exit(2);
  }
  const logger = createLogger({ service, level: config.LOG_LEVEL });
  // Signals are handled from the start: a SIGTERM that arrives while (or just after) the consumers start
  // still drains them and exits 0, instead of killing the process.
  const running = startConsumers(factories, config, logger, options);
  stopOnSignals(async () => (await running).stop(), logger);
  try {
    await running;
  } catch (error) {
    logger.error("consumers failed to start", { error });
    process.exit(1);
  }
}
