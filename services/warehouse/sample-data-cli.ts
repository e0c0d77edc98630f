/**
 * `npm run sample-data -- --out <dir> [--scale N] [--seed S]`: generates the deterministic sample data in an
 * embedded DuckDB and writes one CSV per raw table plus `load.snowflake.sql` (PUT + COPY INTO) to <dir>, for
 * loading the same rows into Snowflake. Large scales are fine: DuckDB writes the CSVs itself.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { createDuckDbWarehouse } from "./duckdb-warehouse.js";
import { RAW_TABLES, sampleDataSize, snowflakeLoadScript } from "./sample-data.js";

const { values } = parseArgs({
  options: {
    out: { type: "string" },
    scale: { type: "string", default: "1" },
    seed: { type: "string", default: "42" },
  },
});
if (values.out === undefined) {
  console.error("usage: npm run sample-data -- --out <dir> [--scale N] [--seed S]");
  process.exit(2);
}
const scale = Number(values.scale);
const seed = Number(values.seed);
const dir = resolve(values.out);
const size = sampleDataSize(scale);
mkdirSync(dir, { recursive: true });

const started = performance.now();
const warehouse = createDuckDbWarehouse({ scale, seed });
try {
  for (const [table, columns] of Object.entries(RAW_TABLES)) {
    const file = join(dir, `${table}.csv`).replaceAll("'", "''");
    await warehouse.exec(
      `COPY (SELECT ${columns.join(", ")} FROM raw.${table} ORDER BY 1) TO '${file}' (FORMAT CSV, HEADER)`,
    );
  }
  const { rows } = await warehouse.query("SELECT COUNT(*) AS n FROM raw.order_lines");
  writeFileSync(join(dir, "load.snowflake.sql"), snowflakeLoadScript(dir));
  console.log(
    JSON.stringify({
      dir,
      scale,
      seed,
      ...size,
      order_lines: rows[0]?.n,
      seconds: Math.round((performance.now() - started) / 100) / 10,
    }),
  );
} finally {
  await warehouse.close();
}
