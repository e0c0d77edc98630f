/**
 * The `COPY (…) TO '<file>'` statement the DuckDB warehouse writes tabular exports with, so DuckDB renders
 * CSV, NDJSON and Parquet itself instead of handing every value to JS. The report's query is wrapped in a
 * SELECT that keeps the JS renderers' rules (services/reports/render.ts), column by column from its
 * described types:
 *
 * - CSV: a DECIMAL is its canonical decimal text (`650`, `12.5`, as the JS path spells the exact number); a
 *   text cell that starts like a formula (FORMULA_START, not a PLAIN_NUMBER) gets the leading `'`,
 *   exactly as `csvField` does; every non-numeric, non-boolean column goes through the rule as text
 *   (the JS path sees dates and timestamps as strings too). Non-finite doubles are empty cells; a double
 *   is in DuckDB's spelling, which can differ from JS's (`0.0` for a negative zero, JS `0`), never in value.
 * - NDJSON: numbers are exact as exact-number.ts makes them: an integer is a JSON number within ±(2^53−1),
 *   else its decimal string; a DECIMAL is a number when a double spells it exactly (at most
 *   DOUBLE_EXACT_DIGITS digits, or an integer within 2^53), else its canonical decimal string. (A fractional
 *   value of 16 or 17 significant digits that happens to be a double exactly is a string here and may be a
 *   number on the JS path: both are exact.) Non-finite doubles are null.
 * - Parquet: native types (DECIMAL stays Parquet DECIMAL); HUGEINT, which DuckDB would write as a DOUBLE,
 *   is its decimal string. Compressed with zstd, in row groups of 16,384 rows (memory, see COPY_OPTIONS).
 *
 * Column names are the lower-cased names, as the row keys of `Warehouse.stream` are. The target path is
 * ours (the worker's spool file), validated and quoted as a string literal; report parameters stay `?` binds.
 */
import { DOUBLE_EXACT_DIGITS } from "#services/reports/exact-number.js";
import { FORMULA_START, PLAIN_NUMBER } from "#services/reports/render.js";
import type { ExportFileFormat } from "#services/reports/warehouse.port.js";
import { WarehouseQueryError } from "./errors.js";

/** A column as `DESCRIBE` reports it: its name and DuckDB type text (`DECIMAL(38,2)`, `BIGINT`, …). */
export interface DescribedColumn {
  name: string;
  type: string;
}

const MAX_SAFE = String(Number.MAX_SAFE_INTEGER);
const WIDE_INTEGERS = new Set(["BIGINT", "UBIGINT", "HUGEINT", "UHUGEINT"]);
const HUGE_INTEGERS = new Set(["HUGEINT", "UHUGEINT"]);
const NUMERIC = new Set([
  "TINYINT",
  "SMALLINT",
  "INTEGER",
  "UTINYINT",
  "USMALLINT",
  "UINTEGER",
  ...WIDE_INTEGERS,
  "FLOAT",
  "DOUBLE",
]);
const FLOATS = new Set(["FLOAT", "DOUBLE"]);

/** A SQL string literal of text we own (patterns, paths): quotes doubled. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function identifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function decimalOf(type: string): { precision: number; scale: number } | undefined {
  const match = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(type);
  return match ? { precision: Number(match[1]), scale: Number(match[2]) } : undefined;
}

/** `10^exponent` as a decimal literal (`1e13` → `10000000000000`, `1e-5` → `0.00001`). */
function powerOfTen(exponent: number): string {
  return exponent >= 0 ? `1${"0".repeat(exponent)}` : `0.${"0".repeat(-exponent - 1)}1`;
}

/** A DECIMAL's canonical text (exact-number.ts `canonicalDecimal`): `650.00` → `650`, `12.50` → `12.5`. */
function canonicalText(column: string, scale: number): string {
  return scale > 0 ? `rtrim(rtrim(CAST(${column} AS VARCHAR), '0'), '.')` : `CAST(${column} AS VARCHAR)`;
}

function csvExpression(column: string, type: string): string {
  if (FLOATS.has(type)) return `CASE WHEN isfinite(${column}) THEN ${column} END`;
  const decimal = decimalOf(type);
  if (decimal !== undefined) return canonicalText(column, decimal.scale);
  if (NUMERIC.has(type) || type === "BOOLEAN") return column;
  const text = `CAST(${column} AS VARCHAR)`;
  const formula = `regexp_matches(${text}, ${sqlString(FORMULA_START.source)})`;
  const plain = `regexp_matches(${text}, ${sqlString(PLAIN_NUMBER.source)})`;
  return `CASE WHEN ${formula} AND NOT ${plain} THEN '''' || ${text} ELSE ${text} END`;
}

function ndjsonExpression(column: string, type: string): string {
  if (FLOATS.has(type)) return `CASE WHEN isfinite(${column}) THEN ${column} END`;
  const safe = `${column} >= -${MAX_SAFE} AND ${column} <= ${MAX_SAFE}`;
  if (WIDE_INTEGERS.has(type))
    return `CASE WHEN ${safe} THEN to_json(${column}) ELSE to_json(CAST(${column} AS VARCHAR)) END`;
  const decimal = decimalOf(type);
  if (decimal === undefined || decimal.precision <= DOUBLE_EXACT_DIGITS) return column;
  const fewDigits = `abs(${column}) < ${powerOfTen(DOUBLE_EXACT_DIGITS - decimal.scale)}`;
  const safeInteger = `${column} = trunc(${column}) AND ${safe}`;
  return `CASE WHEN ${fewDigits} OR (${safeInteger}) THEN to_json(CAST(${column} AS DOUBLE)) ELSE to_json(${canonicalText(column, decimal.scale)}) END`;
}

function parquetExpression(column: string, type: string): string {
  return HUGE_INTEGERS.has(type) ? `CAST(${column} AS VARCHAR)` : column;
}

const EXPRESSION: Record<ExportFileFormat, (column: string, type: string) => string> = {
  csv: csvExpression,
  ndjson: ndjsonExpression,
  parquet: parquetExpression,
};

/** The COPY options of each format (the bench's baseline COPY uses the same). */
export const COPY_OPTIONS: Record<ExportFileFormat, string> = {
  // CRLF line ends, as RFC 4180 and renderCsv
  csv: "FORMAT csv, HEADER true, NEW_LINE '\\r\\n'",
  ndjson: "FORMAT json",
  // DuckDB buffers a whole row group before writing it: at its default 122,880 rows the 17 columns of
  // reporting.sales_lines ran out of memory under the worker's 64MB cap (24,576 too); 16,384 fit
  parquet: "FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 16384",
};

/** A single statement as a subquery: without its trailing `;`. */
export function statementBody(sql: string): string {
  return sql.trim().replace(/;+\s*$/, "");
}

/** An absolute local path without control characters (it becomes a string literal in the statement). */
export function validatedCopyTarget(path: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (!path.startsWith("/") || /[\u0000-\u001f\u007f]/.test(path))
    throw new WarehouseQueryError("export target must be an absolute local path without control characters");
  return path;
}

/**
 * The COPY statement that writes `sql`'s result (its `?` binds unchanged, in the same order) to `path`.
 *
 * @example
 * copyStatement("SELECT name FROM t WHERE id = ?", [{ name: "NAME", type: "VARCHAR" }], "/tmp/r.csv", "csv");
 * // COPY (SELECT CASE WHEN regexp_matches(…) … END AS "name" FROM (SELECT name FROM t WHERE id = ?) AS export_source)
 * //   TO '/tmp/r.csv' (FORMAT csv, HEADER true, NEW_LINE '\r\n')
 */
export function copyStatement(
  sql: string,
  columns: readonly DescribedColumn[],
  path: string,
  format: ExportFileFormat,
): string {
  if (columns.length === 0) throw new WarehouseQueryError("export query has no columns");
  const select = columns
    .map(
      ({ name, type }) =>
        `${EXPRESSION[format](identifier(name), type)} AS ${identifier(name.toLowerCase())}`,
    )
    .join(", ");
  // on lines of their own, so a trailing line comment in the report's SQL cannot swallow the parenthesis
  const query = `SELECT ${select} FROM (\n${statementBody(sql)}\n) AS export_source`;
  return `COPY (${query}) TO ${sqlString(validatedCopyTarget(path))} (${COPY_OPTIONS[format]})`;
}
