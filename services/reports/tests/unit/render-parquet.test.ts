/** The JS Parquet writer (Snowflake's path): typed columns, exact decimals, bounded row groups, misfits. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbWarehouse, type DuckDbWarehouse } from "#services/warehouse/duckdb-warehouse.js";
import { renderParquet, unscaledDecimal } from "../../render-parquet.js";
import type { ColumnInfo, Row } from "../../warehouse.port.js";
import { readBody } from "../fixtures/small-dataset.js";

const COLUMNS: ColumnInfo[] = [
  { name: "id", type: "fixed", precision: 38, scale: 0 },
  { name: "amount", type: "fixed", precision: 38, scale: 2 },
  { name: "small", type: "fixed", precision: 9, scale: 3 },
  { name: "ratio", type: "real" },
  { name: "name", type: "text" },
  { name: "active", type: "boolean" },
  { name: "day", type: "date" },
  { name: "seen_at", type: "timestamp" },
  { name: "extra", type: "other" },
];

// as the Snowflake adapter hands rows over: exact numbers as numbers or decimal strings (exact-number.ts)
const ROWS: Row[] = [
  {
    id: "9007199254740993",
    amount: "12345678901234567.89",
    small: 1.5,
    ratio: 0.25,
    name: "=cmd",
    active: true,
    day: "2024-02-29",
    seen_at: "2025-07-01T10:00:00.123Z",
    extra: { a: 1 },
  },
  {
    id: 2,
    amount: 262000,
    small: -0.001,
    ratio: "NaN",
    name: "",
    active: false,
    day: null,
    seen_at: null,
    extra: null,
  },
  {
    id: null,
    amount: -0.1,
    small: null,
    ratio: null,
    name: null,
    active: null,
    day: "1970-01-01",
    seen_at: null,
    extra: 7,
  },
];

let duck: DuckDbWarehouse;
let dir: string;
beforeAll(() => {
  duck = createDuckDbWarehouse({ sampleData: false });
  dir = mkdtempSync(join(tmpdir(), "render-parquet-"));
});
afterAll(async () => {
  await duck.close();
  rmSync(dir, { recursive: true, force: true });
});

async function write(rows: Iterable<Row>, columns: readonly ColumnInfo[] | undefined, groupRows?: number) {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.parquet`);
  const chunks: Uint8Array[] = [];
  for await (const chunk of renderParquet(rows, () => columns, groupRows)) chunks.push(chunk);
  writeFileSync(path, Buffer.concat(chunks));
  return { path, chunks: chunks.length };
}

describe("renderParquet", () => {
  it("writes the warehouse's column types, decimals exact as DECIMAL(precision, scale)", async () => {
    const { path } = await write(ROWS, COLUMNS);
    const { rows } = await duck.query(
      `SELECT CAST(id AS VARCHAR) AS id, CAST(amount AS VARCHAR) AS amount, CAST(small AS VARCHAR) AS small,
        ratio, name, active, CAST(day AS VARCHAR) AS day, CAST(seen_at AS VARCHAR) AS seen_at, extra
       FROM read_parquet('${path}')`,
    );
    const { rows: types } = await duck.query(`DESCRIBE SELECT * FROM read_parquet('${path}')`);

    expect(rows[0]).toEqual({
      id: "9007199254740993",
      amount: "12345678901234567.89",
      small: "1.500",
      ratio: 0.25,
      name: "=cmd",
      active: true,
      day: "2024-02-29",
      seen_at: expect.stringMatching(/^2025-07-01 10:00:00\.123/),
      extra: '{"a":1}',
    });
    expect(rows[1]).toMatchObject({ id: "2", amount: "262000.00", small: "-0.001", ratio: null, name: "" });
    expect(rows[2]).toMatchObject({ id: null, amount: "-0.10", day: "1970-01-01", extra: "7" });
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.column_type]))).toMatchObject({
      id: "DECIMAL(38,0)",
      amount: "DECIMAL(38,2)",
      small: "DECIMAL(9,3)",
      ratio: "DOUBLE",
      name: "VARCHAR",
      active: "BOOLEAN",
      day: "DATE",
    });
  });

  it("bounds memory with row groups of the given size, each handed out as it is encoded", async () => {
    const rows = Array.from({ length: 2_500 }, (_, i) => ({ id: i, amount: i / 100, name: `n${i}` }));
    const columns = COLUMNS.filter((c) => ["id", "amount", "name"].includes(c.name));

    const { path, chunks } = await write(rows, columns, 1_000);
    const { rows: groups } = await duck.query(
      `SELECT row_group_id, MAX(row_group_num_rows) AS n FROM parquet_metadata('${path}') GROUP BY 1 ORDER BY 1`,
    );
    const { rows: sums } = await duck.query(
      `SELECT COUNT(*) AS n, CAST(SUM(amount) AS VARCHAR) AS total FROM read_parquet('${path}')`,
    );

    expect(groups.map((g) => g.n)).toEqual([1000, 1000, 500]);
    expect(chunks).toBe(3);
    expect(sums[0]).toEqual({ n: 2500, total: "31237.50" });
  });

  it("writes an empty result with its columns as a readable file with no rows", async () => {
    const { path } = await write([], COLUMNS);
    const { rows } = await duck.query(`SELECT COUNT(*) AS n FROM read_parquet('${path}')`);
    expect(rows[0]?.n).toBe(0);
  });

  it("fails, naming the column, when a value does not fit its column's type", async () => {
    const body = renderParquet([{ active: "yes" }], () => [{ name: "active", type: "boolean" }]);
    await expect(readBody(body)).rejects.toThrow(/parquet column active: expected a boolean/);
    await expect(
      readBody(renderParquet([{ amount: 1.234 }], () => [COLUMNS[1] as ColumnInfo])),
    ).rejects.toThrow(/amount: 3 decimals exceed scale 2/);
    await expect(readBody(renderParquet([], () => undefined))).rejects.toThrow(/no columns/);
  });

  it("scales exact decimals without a double on the way", () => {
    expect(unscaledDecimal("12345678901234567.89", 2)).toBe(1234567890123456789n);
    expect(unscaledDecimal(-0.1, 3)).toBe(-100n);
    expect(unscaledDecimal(1e21, 0)).toBe(10n ** 21n);
  });
});
