/**
 * DuckDB writing exports itself (`exportToFile`, COPY … TO): the same cells as the JS renderers for CSV
 * (formula rule included) and NDJSON (exact numbers), Parquet that DuckDB reads back with DECIMALs intact,
 * bound parameters, COPY's row count, a failure part-way as an error, and the target path checked.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderCsv, renderNdjson } from "#services/reports/render.js";
import { readBody } from "#services/reports/tests/fixtures/small-dataset.js";
import { copyStatement, validatedCopyTarget } from "../../duckdb-export.js";
import { createDuckDbWarehouse, type DuckDbWarehouse } from "../../duckdb-warehouse.js";
import { WarehouseError } from "../../errors.js";
import { EXACT_NUMBERS_ROW, EXACT_NUMBERS_SQL } from "../fixtures/exact-numbers.js";

/** Cells a spreadsheet would run, plain numbers that it must not touch, quoting, nulls and exact numbers. */
const TRICKY = `SELECT * FROM (VALUES
  (1, '=HYPERLINK("http://x","y")', '-5', CAST('12345678901234567.89' AS DECIMAL(38,2)), CAST(9007199254740993 AS BIGINT), 0.5::DOUBLE, DATE '2025-07-01', true, TIMESTAMP '2025-07-01 10:00:00.123'),
  (2, '+1+1', '+3.5e2', CAST('262000.00' AS DECIMAL(38,2)), CAST(-42 AS BIGINT), 'NaN'::DOUBLE, NULL, false, NULL),
  (3, '@SUM(A1)', '-0.10', CAST('-0.10' AS DECIMAL(38,2)), CAST(9007199254740991 AS BIGINT), 'inf'::DOUBLE, DATE '2024-02-29', NULL, TIMESTAMP '2024-02-29 23:59:59'),
  (4, '-2+3', 'a,b "q"', CAST('1234.56' AS DECIMAL(38,2)), NULL, NULL, DATE '2025-01-01', true, NULL),
  (5, chr(9) || 'tab', 'line' || chr(10) || 'break', CAST('99999999999999.99' AS DECIMAL(38,2)), 0, 1e300, DATE '2025-12-31', true, NULL),
  (6, chr(13) || 'cr', 'plain', CAST('0.01' AS DECIMAL(38,2)), 1, 2.5, DATE '2025-06-30', false, NULL),
  (7, NULL, '==', CAST('100' AS DECIMAL(38,2)), 2, 1.25, DATE '2025-06-01', true, NULL)
) AS t(Id, Label, Note, Money, Counter, Ratio, Day, Flag, Seen) WHERE Id >= ? ORDER BY Id`;

let warehouse: DuckDbWarehouse;
let dir: string;

beforeAll(() => {
  warehouse = createDuckDbWarehouse({ sampleData: false, threads: 1, memoryLimit: "128MB" });
  dir = mkdtempSync(join(tmpdir(), "duckdb-export-"));
});
afterAll(async () => {
  await warehouse.close();
  rmSync(dir, { recursive: true, force: true });
});

async function exported(sql: string, binds: unknown[], format: "csv" | "ndjson" | "parquet") {
  const path = join(dir, `${format}-${Math.random().toString(36).slice(2)}`);
  const result = await warehouse.exportToFile(sql, binds, { path, format });
  return { path, ...result };
}

describe("DuckDbWarehouse.exportToFile", () => {
  it("writes CSV cell for cell as renderCsv does: formula cells get the leading quote, plain numbers do not", async () => {
    const { path, rowCount, queryId } = await exported(TRICKY, [1], "csv");
    const js = await readBody(renderCsv(warehouse.stream(TRICKY, [1])));

    expect(rowCount).toBe(7);
    expect(queryId).toMatch(/^duckdb-/);
    expect(readFileSync(path, "utf8")).toBe(js);
    const lines = js.split("\r\n");
    expect(lines[0]).toBe("id,label,note,money,counter,ratio,day,flag,seen");
    expect(lines[1]).toBe(
      `1,"'=HYPERLINK(""http://x"",""y"")",-5,12345678901234567.89,9007199254740993,0.5,2025-07-01,true,2025-07-01 10:00:00.123`,
    );
    expect(lines[2]).toBe("2,'+1+1,+3.5e2,262000,-42,,,false,");
    expect(lines[3]).toContain("'@SUM(A1)");
    expect(lines[4]).toMatch(/^4,'-2\+3,/);
  });

  it("writes NDJSON whose every row equals the JS path's: exact numbers as numbers or decimal strings", async () => {
    const { path } = await exported(TRICKY, [1], "ndjson");
    const copyRows = readFileSync(path, "utf8")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    const jsRows = (await readBody(renderNdjson(warehouse.stream(TRICKY, [1]))))
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));

    expect(copyRows).toEqual(jsRows);
    expect(copyRows[0]).toMatchObject({ money: "12345678901234567.89", counter: "9007199254740993" });
    expect(copyRows[1]).toMatchObject({ money: 262000, counter: -42, ratio: null });
    // 16 significant digits: no double spells it, so a string on both paths
    expect(copyRows[4]).toMatchObject({ money: "99999999999999.99" });
    expect(copyRows[5]).toMatchObject({ money: 0.01 });
  });

  it("keeps the adapters' exact-number row in NDJSON", async () => {
    const { path } = await exported(EXACT_NUMBERS_SQL, [], "ndjson");
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual(EXACT_NUMBERS_ROW);
  });

  it("writes Parquet that DuckDB reads back with DECIMAL columns exact", async () => {
    const { path, rowCount } = await exported(TRICKY, [3], "parquet");
    const { rows } = await warehouse.query(
      `SELECT id, note, CAST(money AS VARCHAR) AS money, typeof(money) AS money_type FROM read_parquet('${path}') ORDER BY id`,
    );

    expect(rowCount).toBe(5);
    expect(rows[0]).toEqual({ id: 3, note: "-0.10", money: "-0.10", money_type: "DECIMAL(38,2)" });
    expect(rows.map((r) => r.id)).toEqual([3, 4, 5, 6, 7]);
  });

  it("binds parameters: an injection string is data and matches nothing", async () => {
    const sql = "SELECT * FROM (VALUES (1, 'a')) AS t(id, name) WHERE name = ?";
    const { path, rowCount } = await exported(sql, ["a'; DROP TABLE x; --"], "csv");
    expect(rowCount).toBe(0);
    expect(readFileSync(path, "utf8")).toBe("id,name\r\n");
  });

  it("fails when the query fails part-way through its rows (error() on a late row), not with a short file", async () => {
    const sql = "SELECT i, CASE WHEN i = 150000 THEN error('boom') ELSE i END AS v FROM range(200000) t(i)";
    const error = await exported(sql, [], "ndjson").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WarehouseError);
    expect((error as Error).message).toMatch(/boom/);
  });

  it("refuses a target that is not an absolute path or holds control characters", () => {
    expect(() => validatedCopyTarget("relative/file")).toThrow(/absolute local path/);
    expect(() => validatedCopyTarget("/tmp/a\nb")).toThrow(/control characters/);
    expect(copyStatement("SELECT 1 AS x;", [{ name: "X", type: "INTEGER" }], "/tmp/it's", "parquet")).toBe(
      `COPY (SELECT "X" AS "x" FROM (\nSELECT 1 AS x\n) AS export_source) TO '/tmp/it''s' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 16384)`,
    );
  });
});
