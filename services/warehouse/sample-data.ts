/**
 * Deterministic sample data (sql/sample-data/generate.duckdb.sql): generated inside DuckDB with range() and
 * hash-based pseudo-randomness, so millions of order lines never pass through JS arrays. Scale 1 is the
 * original system's size (10 customers, 9 products) with 200 orders / ~500 order lines; each unit of scale adds
 * 10 customers, 200 orders and ~500 lines (scale 10000 ≈ 5M lines); products grow with √scale.
 */
import { readSql } from "#services/reports/sql-files.js";
import { WarehouseConfigError } from "./errors.js";

export interface SampleDataOptions {
  /** Size multiplier, > 0 (fractions allowed for tiny sets). Default 1. */
  scale?: number;
  /** Seed of the pseudo-random generator. Default 42. */
  seed?: number;
  /** Value of `loaded_at` on every row. Default: now. */
  loadedAt?: Date;
}

export interface SampleDataSize {
  customers: number;
  products: number;
  orders: number;
}

export function sampleDataSize(scale = 1): SampleDataSize {
  if (!Number.isFinite(scale) || scale <= 0 || scale > 1_000_000)
    throw new WarehouseConfigError(`sample data scale must be in (0, 1000000], got ${scale}`);
  return {
    customers: Math.max(1, Math.round(10 * scale)),
    products: Math.max(9, Math.round(9 * Math.sqrt(scale))),
    orders: Math.max(1, Math.round(200 * scale)),
  };
}

/** `YYYY-MM-DD HH:MM:SS` in UTC: a TIMESTAMP literal both engines parse. */
export function sqlTimestamp(d: Date): string {
  return d.toISOString().slice(0, 19).replace("T", " ");
}

/**
 * The DuckDB script that fills the raw tables. Values are validated numbers and a formatted timestamp,
 * set as DuckDB variables ahead of the checked-in generator script.
 */
export function sampleDataScript(options: SampleDataOptions = {}): string {
  const size = sampleDataSize(options.scale ?? 1);
  const seed = options.seed ?? 42;
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new WarehouseConfigError(`seed must be a non-negative integer`);
  const loadedAt = sqlTimestamp(options.loadedAt ?? new Date());
  return [
    `SET VARIABLE sd_seed = ${seed}`,
    `SET VARIABLE sd_customers = ${size.customers}`,
    `SET VARIABLE sd_products = ${size.products}`,
    `SET VARIABLE sd_orders = ${size.orders}`,
    `SET VARIABLE sd_loaded_at = TIMESTAMP '${loadedAt}'`,
    readSql("sample-data/generate.duckdb.sql"),
  ].join(";\n");
}

export const RAW_TABLES = {
  customers: ["customer_id", "customer_name", "email", "tier", "region", "signup_date", "loaded_at"],
  products: ["product_id", "product_name", "category", "unit_cost", "unit_price", "loaded_at"],
  orders: ["order_id", "customer_id", "order_date", "status", "loaded_at"],
  order_lines: ["order_line_id", "order_id", "product_id", "quantity", "unit_price", "loaded_at"],
} as const;

/** The Snowflake script loading the CSV files written by `npm run sample-data` (run with SnowSQL). */
export function snowflakeLoadScript(absoluteDir: string): string {
  const lines = [
    "-- Loads the sample data CSV files of this directory into analytics_platform.raw (run with SnowSQL:",
    "--   snowsql -f load.snowflake.sql). Run sql/snowflake/00_database.sql and sql/ddl/*.sql first.",
    "USE DATABASE analytics_platform;",
    "CREATE OR REPLACE TEMPORARY STAGE raw.sample_data_stage",
    "  FILE_FORMAT = (TYPE = CSV SKIP_HEADER = 1 FIELD_OPTIONALLY_ENCLOSED_BY = '\"' NULL_IF = (''));",
  ];
  for (const [table, columns] of Object.entries(RAW_TABLES)) {
    lines.push(
      `PUT 'file://${absoluteDir}/${table}.csv' @raw.sample_data_stage AUTO_COMPRESS = TRUE OVERWRITE = TRUE;`,
    );
    lines.push(
      `COPY INTO raw.${table} (${columns.join(", ")}) FROM @raw.sample_data_stage/${table}.csv.gz ON_ERROR = ABORT_STATEMENT;`,
    );
  }
  // processed is made of dynamic tables (sql/ddl/03_processed_tables.sql): refresh them now rather than
  // within their TARGET_LAG, so the reports see the sample data as soon as the script ends
  for (const table of Object.keys(RAW_TABLES)) lines.push(`ALTER DYNAMIC TABLE processed.${table} REFRESH;`);
  return `${lines.join("\n")}\n`;
}
