/** The notifier as its own process (one ECS service):  tsx services/notifier/main.ts. See services/consumers/config.ts. */
import { runConsumersMain } from "#services/consumers/main.js";
import { notifierConsumer } from "./consumer.js";

await runConsumersMain([notifierConsumer], "report-notifier");
