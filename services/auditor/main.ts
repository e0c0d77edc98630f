/** The auditor as its own process (one ECS service):  tsx services/auditor/main.ts. See services/consumers/config.ts. */
import { runConsumersMain } from "#services/consumers/main.js";
import { auditorConsumer } from "./consumer.js";

await runConsumersMain([auditorConsumer], "report-auditor");
