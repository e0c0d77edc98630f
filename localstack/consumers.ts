/**
 * The three event consumers in one local process (what `npm start` and the fault suite run, to save a
 * machine two Node processes):  tsx localstack/consumers.ts [organizer|notifier|auditor|all]...
 * (default: all). Production runs each consumer as its own process (services/<id>/main.ts), which loads
 * only its own consumer; this local runner is the one place that imports all three.
 */
import { CONSUMER_IDS, type ConsumerId } from "#events/topology.js";
import { auditorConsumer } from "#services/auditor/consumer.js";
import { runConsumersMain } from "#services/consumers/main.js";
import type { ConsumerFactory } from "#services/consumers/run-consumers.js";
import { notifierConsumer } from "#services/notifier/consumer.js";
import { organizerConsumer } from "#services/organizer/consumer.js";

export const CONSUMER_FACTORIES: Record<ConsumerId, ConsumerFactory> = {
  organizer: organizerConsumer,
  notifier: notifierConsumer,
  auditor: auditorConsumer,
};

/** The consumers named on the command line; errors name the unknown one. */
export function parseConsumerArgs(args: readonly string[]): ConsumerFactory[] {
  if (args.length === 0 || args.includes("all")) return CONSUMER_IDS.map((id) => CONSUMER_FACTORIES[id]);
  for (const a of args) {
    if (!(CONSUMER_IDS as readonly string[]).includes(a)) {
      throw new Error(`unknown consumer "${a}": expected ${CONSUMER_IDS.join(", ")} or all`);
    }
  }
  return [...new Set(args as ConsumerId[])].map((id) => CONSUMER_FACTORIES[id]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let factories: ConsumerFactory[];
  try {
    factories = parseConsumerArgs(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  await runConsumersMain(factories, "report-consumers");
}
