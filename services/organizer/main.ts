/** The organizer as its own process (one ECS service):  tsx services/organizer/main.ts. See services/consumers/config.ts. */
import { runConsumersMain } from "#services/consumers/main.js";
import { organizerConsumer } from "./consumer.js";

await runConsumersMain([organizerConsumer], "report-organizer");
