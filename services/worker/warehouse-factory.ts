/**
 * Picks the warehouse adapter from configuration. Adapters load lazily so a DuckDB worker never loads
 * snowflake-sdk and vice versa.
 */
import type { StatementLedger, Warehouse } from "#services/reports/warehouse.port.js";
import type { AwsClients } from "#services/shared/aws.js";
import type { Logger } from "#services/shared/logger.js";
import type { WorkerConfig } from "./config.js";

export async function createWarehouse(
  config: WorkerConfig,
  clients: AwsClients,
  logger: Logger,
  /** Where Snowflake statements record their query ids (re-attached on a redelivery). */
  statements?: StatementLedger,
): Promise<Warehouse> {
  if (config.WAREHOUSE === "snowflake") {
    const { createSnowflakeWarehouse } = await import("#services/warehouse/snowflake-warehouse.js");
    logger.info("warehouse: snowflake", { secretId: config.SNOWFLAKE_SECRET_ID });
    return createSnowflakeWarehouse({
      secretId: config.SNOWFLAKE_SECRET_ID ?? "",
      secrets: clients.secrets,
      statementTimeoutSeconds: Math.ceil(config.QUERY_TIMEOUT_MS / 1000),
      // one connection per job the worker runs at once
      poolMax: config.WORKER_CONCURRENCY,
      logger,
      ...(statements === undefined ? {} : { statements }),
    });
  }
  const { createDuckDbWarehouse } = await import("#services/warehouse/duckdb-warehouse.js");
  const options = {
    path: config.DUCKDB_PATH,
    scale: config.DUCKDB_SCALE,
    ...(config.DUCKDB_MEMORY_LIMIT !== undefined ? { memoryLimit: config.DUCKDB_MEMORY_LIMIT } : {}),
    ...(config.DUCKDB_THREADS !== undefined ? { threads: config.DUCKDB_THREADS } : {}),
    ...(config.DUCKDB_TEMP_DIRECTORY !== undefined ? { tempDirectory: config.DUCKDB_TEMP_DIRECTORY } : {}),
  };
  logger.info("warehouse: duckdb", options);
  return createDuckDbWarehouse(options);
}
