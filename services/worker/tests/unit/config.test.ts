import { describe, expect, it } from "vitest";
import { readWorkerConfig } from "../../config.js";

describe("readWorkerConfig", () => {
  it("runs locally with no environment at all", () => {
    const c = readWorkerConfig({});

    expect(c.WAREHOUSE).toBe("duckdb");
    expect(c.REPORTS_PREFIX).toBe("rp-local");
    expect(c.HTTP_PORT).toBe(8000);
  });

  it("names the variable that is malformed", () => {
    expect(() => readWorkerConfig({ WORKER_CONCURRENCY: "lots" })).toThrow(/WORKER_CONCURRENCY/);
    expect(() => readWorkerConfig({ WAREHOUSE: "oracle" })).toThrow(/WAREHOUSE: must be duckdb or snowflake/);
    expect(() => readWorkerConfig({ JOBS_QUEUE_URL: "not a url" })).toThrow(/JOBS_QUEUE_URL/);
  });

  it("takes DuckDB's resource caps for a small container and names a malformed one", () => {
    const c = readWorkerConfig({
      DUCKDB_MEMORY_LIMIT: "64MB",
      DUCKDB_THREADS: "1",
      DUCKDB_TEMP_DIRECTORY: "/tmp/s",
    });
    expect(c).toMatchObject({
      DUCKDB_MEMORY_LIMIT: "64MB",
      DUCKDB_THREADS: 1,
      DUCKDB_TEMP_DIRECTORY: "/tmp/s",
    });
    expect(readWorkerConfig({}).DUCKDB_MEMORY_LIMIT).toBeUndefined();
    expect(() => readWorkerConfig({ DUCKDB_MEMORY_LIMIT: "lots" })).toThrow(
      /DUCKDB_MEMORY_LIMIT: must be a size/,
    );
    expect(() => readWorkerConfig({ DUCKDB_MEMORY_LIMIT: "64MB; DROP" })).toThrow(/DUCKDB_MEMORY_LIMIT/);
    expect(() => readWorkerConfig({ DUCKDB_THREADS: "0" })).toThrow(/DUCKDB_THREADS: must be at least 1/);
  });

  it("requires the secret id for Snowflake and a heartbeat shorter than the visibility timeout", () => {
    expect(() => readWorkerConfig({ WAREHOUSE: "snowflake" })).toThrow(/SNOWFLAKE_SECRET_ID/);
    expect(() =>
      readWorkerConfig({ VISIBILITY_TIMEOUT_SECONDS: "10", HEARTBEAT_INTERVAL_SECONDS: "10" }),
    ).toThrow(/HEARTBEAT_INTERVAL_SECONDS: must be less than VISIBILITY_TIMEOUT_SECONDS/);
  });
});
