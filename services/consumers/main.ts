/**
 * Runs event consumers as one process:  tsx services/consumers/main.ts [organizer|notifier|auditor|all]...
 * (default: all). Production runs each consumer as its own ECS service via services/<id>/main.ts.
 * Configuration: services/consumers/config.ts. SIGTERM/SIGINT drain and exit 0.
 */
import { CONSUMER_IDS, type ConsumerId } from "#events/topology.js";
import { createLogger } from "#services/shared/logger.js";
import { stopOnSignals } from "#services/shared/process-lifecycle.js";
import { readConsumerConfig } from "./config.js";
import { startConsumers } from "./run-consumers.js";

export function parseConsumerArgs(args: readonly string[]): ConsumerId[] {
  if (args.length === 0 || args.includes("all")) return [...CONSUMER_IDS];
  for (const a of args) {
    if (!(CONSUMER_IDS as readonly string[]).includes(a)) {
      throw new Error(`unknown consumer "${a}": expected ${CONSUMER_IDS.join(", ")} or all`);
    }
  }
  return [...new Set(args)] as ConsumerId[];
}

export async function runConsumersMain(args: readonly string[], service: string): Promise<void> {
  const logger = createLogger({ service });
  let ids: ConsumerId[];
  let config: ReturnType<typeof readConsumerConfig>;
  try {
    ids = parseConsumerArgs(args);
    config = readConsumerConfig();
  } catch (error) {
    logger.error((error as Error).message, { error });
    process.exit(2);
  }
  const running = await startConsumers(ids, config, logger);
  stopOnSignals(() => running.stop(), logger);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runConsumersMain(process.argv.slice(2), "report-consumers").catch((error) => {
    createLogger({ service: "report-consumers" }).error("consumers failed to start", { error });
    process.exit(1);
  });
}
