/**
 * Parquet from streamed rows (`application/vnd.apache.parquet`), for warehouses that cannot write it
 * themselves (Snowflake: rows arrive through snowflake-sdk). Rows are gathered into row groups of
 * `rowGroupRows` (bounded memory: one group's column arrays and its encoded bytes at a time), each written
 * with hyparquet-writer and handed out as soon as it is encoded; the footer follows the last group.
 *
 * Types come from the stream's columns (`RowStream.columns`) when the warehouse reports them:
 * - `fixed` (NUMBER/DECIMAL) → Parquet DECIMAL(precision, scale), written from the exact decimal the row
 *   holds (a number only when it is the value exactly, else its decimal string: exact-number.ts), so no
 *   double rounds it on the way;
 * - `real` → DOUBLE, `boolean` → BOOLEAN, `date` → DATE, `timestamp` → TIMESTAMP (milliseconds, UTC, as
 *   the JSON path's ISO instants), `text` and anything else → UTF-8 strings (objects as JSON).
 * Without them (rows the report computed in memory) each column's type is read off the first group's values:
 * all booleans → BOOLEAN, all numbers → DOUBLE, else strings. A later value that does not fit its column's
 * type fails the report, naming the column, rather than being written as something else.
 */
import { ByteWriter, ParquetWriter } from "hyparquet-writer";
import { ReportAssemblyError } from "./errors.js";
import { canonicalDecimal } from "./exact-number.js";
import type { RowSource } from "./render.js";
import type { ColumnInfo, Row } from "./warehouse.port.js";

/**
 * Rows per row group: small enough to bound memory, large enough for readers to scan efficiently. For six
 * sales-line columns, 1M rows peaked at 275 MB RSS in 20k-row groups against 367 MB in 50k-row groups
 * (npm run bench:parquet, writer phase).
 */
export const PARQUET_ROW_GROUP_ROWS = 20_000;

type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]["schema"][number];
type ColumnData = Parameters<ParquetWriter["write"]>[0]["columnData"][number]["data"];

interface ParquetColumn {
  name: string;
  element: SchemaElement;
  /** One row's value as the writer takes it (null stays null). */
  convert(value: unknown): unknown;
}

const DAY_MS = 86_400_000;
const MAX_DECIMAL_PRECISION = 38;

function misfit(column: string, expected: string, value: unknown): ReportAssemblyError {
  return new ReportAssemblyError(
    `parquet column ${column}: expected ${expected}, got ${typeof value} (column types are fixed by the first rows)`,
  );
}

/** The unscaled integer of an exact decimal at `scale` (`"12.5"`, 2 → 1250n). */
export function unscaledDecimal(value: number | string, scale: number, column = "value"): bigint {
  const canonical = canonicalDecimal(String(value));
  if (canonical === undefined) throw misfit(column, "a decimal number", value);
  const [whole = "", fraction = ""] = canonical.replace("-", "").split(".");
  if (fraction.length > scale)
    throw new ReportAssemblyError(
      `parquet column ${column}: ${fraction.length} decimals exceed scale ${scale}`,
    );
  const digits = BigInt(`${whole}${fraction.padEnd(scale, "0")}`);
  return canonical.startsWith("-") ? -digits : digits;
}

/** Bytes of a two's-complement integer that holds every unscaled value of `precision` digits. */
function decimalBytes(precision: number): number {
  let bytes = 1;
  while (2n ** BigInt(8 * bytes - 1) <= 10n ** BigInt(precision)) bytes += 1;
  return bytes;
}

function decimalColumn(name: string, precision = MAX_DECIMAL_PRECISION, scale = 0): ParquetColumn {
  const p = Math.min(Math.max(precision, 1), MAX_DECIMAL_PRECISION);
  const physical =
    p <= 9
      ? { type: "INT32" as const }
      : p <= 18
        ? { type: "INT64" as const }
        : { type: "FIXED_LEN_BYTE_ARRAY" as const, type_length: decimalBytes(p) };
  return {
    name,
    element: {
      name,
      ...physical,
      converted_type: "DECIMAL",
      precision: p,
      scale,
      repetition_type: "OPTIONAL",
    },
    convert: (value) => {
      if (typeof value !== "number" && typeof value !== "string")
        throw misfit(name, "a decimal number", value);
      return unscaledDecimal(value, scale, name);
    },
  };
}

function typedColumn(info: ColumnInfo): ParquetColumn {
  const { name } = info;
  const optional = { repetition_type: "OPTIONAL" as const };
  switch (info.type) {
    case "fixed":
      return decimalColumn(name, info.precision, info.scale);
    case "real":
      return {
        name,
        element: { name, type: "DOUBLE", ...optional },
        convert: (value) => {
          // non-finite doubles arrive as their text (snowflake-warehouse.ts toJsonSafe)
          if (typeof value === "number") return value;
          if (typeof value === "string" && /^-?(inf|infinity|nan)$/i.test(value)) return Number(value);
          throw misfit(name, "a number", value);
        },
      };
    case "boolean":
      return {
        name,
        element: { name, type: "BOOLEAN", ...optional },
        convert: (value) => {
          if (typeof value !== "boolean") throw misfit(name, "a boolean", value);
          return value;
        },
      };
    case "date":
      return {
        name,
        element: { name, type: "INT32", converted_type: "DATE", ...optional },
        convert: (value) => {
          const ms = typeof value === "string" ? Date.parse(`${value.slice(0, 10)}T00:00:00Z`) : Number.NaN;
          if (Number.isNaN(ms)) throw misfit(name, "a date YYYY-MM-DD", value);
          return Math.round(ms / DAY_MS);
        },
      };
    case "timestamp":
      return {
        name,
        element: { name, type: "INT64", converted_type: "TIMESTAMP_MILLIS", ...optional },
        convert: (value) => {
          const ms = typeof value === "string" ? Date.parse(value) : Number.NaN;
          if (Number.isNaN(ms)) throw misfit(name, "an ISO-8601 instant", value);
          return BigInt(ms);
        },
      };
    default:
      return textColumn(name);
  }
}

function textColumn(name: string): ParquetColumn {
  return {
    name,
    element: { name, type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
    convert: (value) => (typeof value === "object" ? JSON.stringify(value) : String(value)),
  };
}

/** Column types read off rows (no warehouse metadata): booleans, numbers (DOUBLE) or text. */
function inferredColumns(rows: readonly Row[]): ColumnInfo[] {
  const names = Object.keys(rows[0] ?? {});
  return names.map((name) => {
    const values = rows.map((row) => row[name]).filter((v) => v !== null && v !== undefined);
    const all = (type: string) => values.length > 0 && values.every((v) => typeof v === type);
    return { name, type: all("boolean") ? "boolean" : all("number") ? "real" : "text" };
  });
}

function parquetColumns(columns: readonly ColumnInfo[]): ParquetColumn[] {
  return columns.map(typedColumn);
}

/**
 * Encodes `rows` as one Parquet file, yielded as byte chunks (one per row group, then the footer). A result
 * with no rows and no column metadata has no schema to write; it fails rather than writing an empty file
 * that readers reject.
 *
 * @example
 * await pipeline(Readable.from(renderParquet(stream, () => stream.columns?.())), createWriteStream(path));
 */
export async function* renderParquet(
  rows: RowSource,
  columnsOf: () => readonly ColumnInfo[] | undefined,
  rowGroupRows = PARQUET_ROW_GROUP_ROWS,
): AsyncGenerator<Uint8Array> {
  const out = new ByteWriter();
  let writer: ParquetWriter | undefined;
  let columns: ParquetColumn[] = [];
  let group: Row[] = [];

  const take = (): Uint8Array => {
    const bytes = new Uint8Array(out.getBuffer());
    out.index = 0; // the buffer is reused; `offset` keeps counting the file's bytes
    return bytes;
  };
  const open = () => {
    const known = columnsOf();
    columns = parquetColumns(known !== undefined && known.length > 0 ? known : inferredColumns(group));
    if (columns.length === 0)
      throw new ReportAssemblyError(
        "parquet: the result has no columns to write (no rows and no column types)",
      );
    writer = new ParquetWriter({
      writer: out,
      schema: [{ name: "root", num_children: columns.length }, ...columns.map((c) => c.element)],
      createdBy: "report-pipeline",
    });
  };
  const writeGroup = () => {
    if (writer === undefined) open();
    const columnData = columns.map((column) => ({
      name: column.name,
      data: group.map((row) => {
        const value = row[column.name];
        return value === null || value === undefined ? null : column.convert(value);
      }) as ColumnData,
    }));
    if (group.length > 0) writer?.write({ columnData, rowGroupSize: group.length });
    group = [];
  };

  for await (const row of rows) {
    group.push(row);
    if (group.length >= rowGroupRows) {
      writeGroup();
      yield take();
    }
  }
  writeGroup();
  writer?.finish();
  yield take();
}
