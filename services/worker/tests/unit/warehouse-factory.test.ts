import { describe, expect, it } from "vitest";
import type { AwsClients } from "#services/shared/aws.js";
import { createLogger } from "#services/shared/logger.js";
import { readWorkerConfig } from "../../config.js";
import { createWarehouse } from "../../warehouse-factory.js";

describe("createWarehouse (duckdb)", () => {
  it("hands DuckDB the memory cap, threads and spill directory from the environment", async () => {
    // Prepare
    const lines: string[] = [];
    const logger = createLogger({ service: "test", write: (line) => lines.push(line) });
    const config = readWorkerConfig({
      DUCKDB_MEMORY_LIMIT: "96MB",
      DUCKDB_THREADS: "1",
      DUCKDB_TEMP_DIRECTORY: "/tmp/report-worker-spill-test",
    });
    // Act
    const warehouse = await createWarehouse(config, {} as AwsClients, logger);
    try {
      const { rows } = await warehouse.query(
        "SELECT current_setting('memory_limit') AS mem, current_setting('threads') AS threads, " +
          "current_setting('temp_directory') AS tmp",
      );
      // Assess
      expect(rows[0]).toEqual({ mem: "91.5 MiB", threads: 1, tmp: "/tmp/report-worker-spill-test" });
      expect(lines.join("\n")).toContain('"memoryLimit":"96MB"');
    } finally {
      await warehouse.close();
    }
  });
});
