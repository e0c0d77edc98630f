/** The embedded DuckDB adapter: schema + sample data on first use, binds, streaming, error mapping, files. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { materialisedTables } from "../../duckdb-dialect.js";
import { createDuckDbWarehouse, type DuckDbWarehouse } from "../../duckdb-warehouse.js";
import { WarehouseQueryError, WarehouseUnavailableError } from "../../errors.js";
import { sampleDataSize } from "../../sample-data.js";
import { EXACT_NUMBERS_ROW, EXACT_NUMBERS_SQL } from "../fixtures/exact-numbers.js";

const open: DuckDbWarehouse[] = [];
const make = (...args: Parameters<typeof createDuckDbWarehouse>) => {
  const w = createDuckDbWarehouse(...args);
  open.push(w);
  return w;
};
afterEach(async () => {
  await Promise.all(open.splice(0).map((w) => w.close()));
});

const FINGERPRINT = `
  SELECT
    (SELECT COUNT(*) FROM raw.customers) AS customers,
    (SELECT COUNT(*) FROM raw.products) AS products,
    (SELECT COUNT(*) FROM raw.orders) AS orders,
    (SELECT COUNT(*) FROM raw.order_lines) AS lines,
    (SELECT SUM(quantity * unit_price) FROM raw.order_lines) AS gross,
    (SELECT MIN(order_date) FROM raw.orders) AS first_order,
    (SELECT MAX(order_date) FROM raw.orders) AS last_order,
    (SELECT COUNT(DISTINCT tier) FROM raw.customers) AS tiers`;

describe("DuckDB warehouse: sample data", () => {
  it("loads the default sample data on first use: 10 customers, 9 products, orders in 2025", async () => {
    const { rows } = await make().query(FINGERPRINT);
    expect(rows[0]).toMatchObject({ customers: 10, products: 9, orders: 200, tiers: 3 });
    expect(rows[0]?.lines).toBeGreaterThanOrEqual(200);
    expect(rows[0]?.lines).toBeLessThanOrEqual(800);
    expect(String(rows[0]?.first_order) >= "2025-01-01").toBe(true);
    expect(String(rows[0]?.last_order) <= "2025-12-31").toBe(true);
  });

  it("is deterministic for a seed and scale, different for another seed, and scales", async () => {
    const [a, b, c, big] = await Promise.all([
      make({ seed: 7 }).query(FINGERPRINT),
      make({ seed: 7 }).query(FINGERPRINT),
      make({ seed: 8 }).query(FINGERPRINT),
      make({ scale: 20 }).query(FINGERPRINT),
    ]);
    expect(a.rows).toEqual(b.rows);
    expect(c.rows[0]?.gross).not.toEqual(a.rows[0]?.gross);
    expect(big.rows[0]).toMatchObject(sampleDataSize(20));
    expect(big.rows[0]).toMatchObject({ customers: 200, orders: 4000 });
  });

  it("creates schemas and views without sample data when asked", async () => {
    const { rows } = await make({ sampleData: false }).query(
      "SELECT (SELECT COUNT(*) FROM raw.customers) AS c, (SELECT COUNT(*) FROM reporting.sales_lines) AS s",
    );
    expect(rows).toEqual([{ c: 0, s: 0 }]);
  });

  it("keeps a file database between opens and does not reload it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "duckdb-wh-"));
    try {
      const path = join(dir, "analytics.duckdb");
      const first = createDuckDbWarehouse({ path });
      await first.query("INSERT INTO raw.customers (customer_id, customer_name) VALUES (?, ?)", [
        999,
        "Kept",
      ]);
      await first.close();
      const second = createDuckDbWarehouse({ path });
      const { rows } = await second.query(
        "SELECT COUNT(*) AS n, COUNT(CASE WHEN customer_name = ? THEN 1 END) AS kept FROM raw.customers",
        ["Kept"],
      );
      await second.close();
      expect(rows).toEqual([{ n: 11, kept: 1 }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("DuckDB warehouse: processed is materialised", () => {
  it("shows rows loaded into raw after a refresh, de-duplicated, not before", async () => {
    // Prepare: an empty warehouse, one customer loaded twice (the newer version wins)
    const w = make({ sampleData: false });
    await w.query(
      "INSERT INTO raw.customers (customer_id, customer_name, tier, loaded_at) VALUES (1, 'Old', 'Standard', TIMESTAMP '2025-01-01 00:00:00'), (1, 'New', 'Premium', TIMESTAMP '2025-02-01 00:00:00')",
    );
    // Act
    const before = await w.query("SELECT customer_name, tier FROM reporting.customers");
    await w.refreshProcessed();
    const after = await w.query("SELECT customer_name, tier FROM reporting.customers");
    // Assess
    expect(before.rows).toEqual([]);
    expect(after.rows).toEqual([{ customer_name: "New", tier: "Premium" }]);
  });

  it("turns a database file whose processed layer is views (made before) into tables on open", async () => {
    const dir = mkdtempSync(join(tmpdir(), "duckdb-wh-"));
    try {
      // Prepare: a file database, then processed.orders put back as the de-duplicating view it used to be
      const path = join(dir, "analytics.duckdb");
      const first = createDuckDbWarehouse({ path });
      await first.exec(
        "DROP TABLE processed.orders; CREATE VIEW processed.orders AS SELECT order_id, customer_id, order_date, status, loaded_at FROM raw.orders",
      );
      await first.close();
      // Act
      const second = createDuckDbWarehouse({ path });
      const { rows } = await second.query(
        "SELECT (SELECT COUNT(*) FROM duckdb_tables() WHERE schema_name = 'processed') AS tables, (SELECT COUNT(*) FROM duckdb_views() WHERE schema_name = 'processed') AS views, (SELECT COUNT(*) FROM reporting.sales_lines) AS lines",
      );
      await second.close();
      // Assess: four tables, no view left, and the reports read them
      expect(rows[0]).toMatchObject({ tables: 4, views: 0 });
      expect(rows[0]?.lines).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a processed DDL statement that is not a dynamic table of the supported shape", () => {
    expect(() => materialisedTables("CREATE OR REPLACE VIEW processed.x AS SELECT 1;")).toThrow(
      /not a dynamic table statement/,
    );
    expect(
      materialisedTables(
        "CREATE OR REPLACE DYNAMIC TABLE processed.x TARGET_LAG = '1 hour' WAREHOUSE = wh CLUSTER BY (d) AS SELECT d FROM raw.x; -- c",
      ),
    ).toEqual([
      {
        name: "processed.x",
        create: "CREATE OR REPLACE TABLE processed.x AS SELECT * FROM (SELECT d FROM raw.x) ORDER BY d",
      },
    ]);
  });
});

describe("DuckDB warehouse: queries", () => {
  it("binds positional parameters as values, including hostile strings", async () => {
    const w = make({ sampleData: false });
    const hostile = "'; DROP TABLE raw.products; --";
    await w.query("INSERT INTO raw.products (product_id, product_name) VALUES (?, ?)", [1, hostile]);
    const { rows, queryId } = await w.query(
      "SELECT product_id, product_name FROM raw.products WHERE product_name = ?",
      [hostile],
    );
    expect(rows).toEqual([{ product_id: 1, product_name: hostile }]);
    expect(queryId).toMatch(/^duckdb-[0-9a-f-]{36}$/);
  });

  it("returns JSON-safe values: integers and decimals as numbers, dates as strings, lower-case names", async () => {
    const { rows } = await make({ sampleData: false }).query(
      "SELECT CAST(3 AS BIGINT) AS \"Big\", CAST(12.34 AS DECIMAL(12,2)) AS dec, DATE '2025-07-01' AS d, NULL AS n, TRUE AS b",
    );
    expect(rows).toEqual([{ big: 3, dec: 12.34, d: "2025-07-01", n: null, b: true }]);
  });

  it("keeps DECIMAL and BIGINT exact: a number when one is the value, else the decimal string", async () => {
    const { rows } = await make({ sampleData: false }).query(EXACT_NUMBERS_SQL);
    expect(rows).toEqual([EXACT_NUMBERS_ROW]);
  });

  it("maps SQL errors to a non-retryable WarehouseQueryError", async () => {
    const w = make({ sampleData: false });
    await expect(w.query("SELECT * FROM reporting.no_such_view")).rejects.toMatchObject({
      name: "WarehouseQueryError",
      code: "WAREHOUSE_QUERY_FAILED",
      retryable: false,
    });
    await expect(w.query("SELECT ?", [])).rejects.toBeInstanceOf(WarehouseQueryError);
  });

  it("interrupts a statement past its timeout with a retryable error", async () => {
    const w = make({ sampleData: false });
    const error = await w
      .query("SELECT COUNT(*) FROM range(100000000) a, range(100000000) b WHERE a.range * b.range = 7", [], {
        timeoutMs: 100,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WarehouseUnavailableError);
    expect(error).toMatchObject({ code: "WAREHOUSE_TIMEOUT", retryable: true });
    await expect(w.ping()).resolves.toBeUndefined(); // the warehouse is still usable
  });

  it("refuses work after close", async () => {
    const w = createDuckDbWarehouse({ sampleData: false });
    await w.ping();
    await w.close();
    await expect(w.ping()).rejects.toMatchObject({ retryable: true });
  });
});

describe("DuckDB warehouse: query connections", () => {
  const connectionId = async (w: DuckDbWarehouse) =>
    (await w.query("SELECT current_connection_id() AS id")).rows[0]?.id;

  it("reuses one connection for queries one after another, and opens another for a concurrent one", async () => {
    const w = make({ sampleData: false });
    const first = await connectionId(w);
    expect(await connectionId(w)).toBe(first);
    const [a, b] = await Promise.all([connectionId(w), connectionId(w)]);
    expect(a).not.toBe(b);
    expect([a, b]).toContain(first);
  });

  it("does not reuse the connection of a statement that failed, timed out or may leave session state", async () => {
    const w = make({ sampleData: false });
    const seen = new Set([await connectionId(w)]);
    await expect(w.query("SELECT * FROM reporting.no_such_view")).rejects.toBeInstanceOf(WarehouseQueryError);
    const afterFailure = await connectionId(w);
    expect(seen.has(afterFailure)).toBe(false);
    seen.add(afterFailure);
    await expect(
      w.query("SELECT COUNT(*) FROM range(100000000) a, range(100000000) b WHERE a.range * b.range = 7", [], {
        timeoutMs: 100,
      }),
    ).rejects.toMatchObject({ code: "WAREHOUSE_TIMEOUT" });
    const afterTimeout = await connectionId(w);
    expect(seen.has(afterTimeout)).toBe(false);
    seen.add(afterTimeout);
    // a transaction left open would hold the next query's reads in it: the connection goes, not the pool
    await w.query("BEGIN TRANSACTION");
    const afterBegin = await connectionId(w);
    expect(seen.has(afterBegin)).toBe(false);
    await w.query("INSERT INTO raw.products (product_id, product_name) VALUES (?, ?)", [1, "kept"]);
    // autocommitted on the pooled connection: visible to a statement on a fresh one (a stream)
    const rows = [];
    for await (const row of w.stream("SELECT product_name FROM raw.products")) rows.push(row);
    expect(rows).toEqual([{ product_name: "kept" }]);
  });

  it("closes its idle connections on close", async () => {
    const w = createDuckDbWarehouse({ sampleData: false });
    await w.ping();
    await w.close();
    await expect(w.ping()).rejects.toMatchObject({ retryable: true });
  });
});

describe("DuckDB warehouse: streaming", () => {
  it("streams every row across many chunks, with a query id known up front", async () => {
    const w = make({ sampleData: false });
    const stream = w.stream("SELECT range AS i, CAST(range AS VARCHAR) AS s FROM range(?)", [10_000]);
    expect(await stream.queryId()).toMatch(/^duckdb-/);
    let n = 0;
    let sum = 0;
    for await (const row of stream) {
      n += 1;
      sum += row.i as number;
    }
    expect(n).toBe(10_000);
    expect(sum).toBe((9_999 * 10_000) / 2);
  });

  it("can be abandoned early and leaves the warehouse usable", async () => {
    const w = make({ sampleData: false });
    let n = 0;
    for await (const _ of w.stream("SELECT * FROM range(1000000)")) {
      n += 1;
      if (n === 5) break;
    }
    expect(n).toBe(5);
    await expect(w.query("SELECT 1 AS one")).resolves.toMatchObject({ rows: [{ one: 1 }] });
  });

  it("fails a stream that breaks part-way instead of ending it short (the driver reports both as the end)", async () => {
    const w = make({ sampleData: false });
    let n = 0;
    const consume = async () => {
      // a later row fails after the first chunks were delivered: DuckDB's streaming result ends with an empty
      // chunk, exactly like a finished one
      const sql =
        "SELECT CASE WHEN i < ? THEN i ELSE error('row ' || i || ' is bad') END AS v FROM range(?) t(i)";
      for await (const _ of w.stream(sql, [150_000, 300_000])) n += 1;
    };
    const error = await consume().catch((e: unknown) => e);
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(150_000);
    expect(error).toBeInstanceOf(WarehouseUnavailableError);
    expect(error).toMatchObject({ code: "WAREHOUSE_STREAM_ABORTED", retryable: true });
    expect((error as Error).message).toContain(`after ${n} rows`);
    await expect(w.query("SELECT 1 AS one")).resolves.toMatchObject({ rows: [{ one: 1 }] });
  });

  it("reports a statement timeout that interrupts a stream part-way as a timeout, not as the end", async () => {
    const w = make({ sampleData: false });
    let n = 0;
    const consume = async () => {
      for await (const _ of w.stream("SELECT * FROM range(50000000)", [], { timeoutMs: 300 })) {
        n += 1;
        if (n % 2048 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const error = await consume().catch((e: unknown) => e);
    expect(n).toBeLessThan(50_000_000);
    expect(error).toMatchObject({ code: "WAREHOUSE_TIMEOUT", retryable: true });
  });

  it("reports SQL errors of a stream as WarehouseQueryError", async () => {
    const w = make({ sampleData: false });
    const consume = async () => {
      for await (const _ of w.stream("SELECT * FROM nowhere")) {
        // nothing
      }
    };
    await expect(consume()).rejects.toMatchObject({ code: "WAREHOUSE_QUERY_FAILED", retryable: false });
  });
});
