/** The organizer as its own process (one ECS service):  tsx services/organizer/main.ts. See services/consumers/config.ts. */

import { runConsumersMain } from "#services/consumers/main.js";
import { createLogger } from "#services/shared/logger.js";

runConsumersMain(["organizer"], "report-organizer").catch((error) => {
  createLogger({ service: "report-organizer" }).error("organizer failed to start", { error });
  process.exit(1);
});
