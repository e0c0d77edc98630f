/** The auditor as its own process (one ECS service):  tsx services/auditor/main.ts. See services/consumers/config.ts. */

import { runConsumersMain } from "#services/consumers/main.js";
import { createLogger } from "#services/shared/logger.js";

runConsumersMain(["auditor"], "report-auditor").catch((error) => {
  createLogger({ service: "report-auditor" }).error("auditor failed to start", { error });
  process.exit(1);
});
