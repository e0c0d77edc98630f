/** The notifier as its own process (one ECS service):  tsx services/notifier/main.ts. See services/consumers/config.ts. */

import { runConsumersMain } from "#services/consumers/main.js";
import { createLogger } from "#services/shared/logger.js";

runConsumersMain(["notifier"], "report-notifier").catch((error) => {
  createLogger({ service: "report-notifier" }).error("notifier failed to start", { error });
  process.exit(1);
});
