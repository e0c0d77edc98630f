/**
 * The report worker with fault injection at its warehouse, for the fault suite, e2e tests and drills:
 * the deployed worker (`services/worker/main.ts`) with its warehouse wrapped in a FaultyWarehouse when
 * WAREHOUSE_FAULTS is set (see faulty-warehouse.ts). The deployed code knows nothing of it.
 *
 *   WAREHOUSE_FAULTS='{"failRate":0.1,"seed":7}' tsx localstack/faults/faulty-worker.ts
 */
import { createLogger } from "#services/shared/logger.js";
import { runWorkerProcess } from "#services/worker/main.js";
import { FaultyWarehouse, parseWarehouseFaults } from "./faulty-warehouse.js";

let faults: ReturnType<typeof parseWarehouseFaults>;
try {
  faults = parseWarehouseFaults(process.env.WAREHOUSE_FAULTS);
} catch (error) {
  createLogger({ service: "report-worker" }).error((error as Error).message, { error });
  process.exit(2);
}
if (faults) createLogger({ service: "report-worker" }).warn("warehouse fault injection is ON", { faults });
const injected = faults;
await runWorkerProcess(
  injected ? { warehouse: async (real) => new FaultyWarehouse(await real(), injected) } : {},
);
