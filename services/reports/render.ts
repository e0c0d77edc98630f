/**
 * Rendering to bytes, as streams: the JSON report document, and CSV / NDJSON for tabular rows. Rows are
 * encoded as they arrive and flushed in ~64 KiB chunks, so memory does not grow with the result.
 */
import type { Row } from "./warehouse.port.js";

const FLUSH_BYTES = 64 * 1024;
const encoder = new TextEncoder();

/** Collects strings and hands them out as ~64 KiB Uint8Array chunks. */
class ChunkBuffer {
  private parts: string[] = [];
  private size = 0;
  push(text: string): boolean {
    this.parts.push(text);
    this.size += text.length;
    return this.size >= FLUSH_BYTES;
  }
  take(): Uint8Array {
    const bytes = encoder.encode(this.parts.join(""));
    this.parts = [];
    this.size = 0;
    return bytes;
  }
  get empty(): boolean {
    return this.size === 0;
  }
}

export type RowSource = AsyncIterable<Row> | Iterable<Row>;

/** One JSON object per line (`application/x-ndjson`). */
export async function* renderNdjson(rows: RowSource): AsyncGenerator<Uint8Array> {
  const buffer = new ChunkBuffer();
  for await (const row of rows) {
    if (buffer.push(`${JSON.stringify(row)}\n`)) yield buffer.take();
  }
  if (!buffer.empty) yield buffer.take();
}

/**
 * First characters a spreadsheet reads as the start of a formula (OWASP "CSV Injection"). Exported with
 * PLAIN_NUMBER for the warehouses that write CSV themselves (the same rule in SQL: duckdb-export.ts).
 */
export const FORMULA_START = /^[=+\-@\t\r]/;
/** A plain decimal number: a spreadsheet reads it as a number, never as a formula. */
export const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * A CSV field per RFC 4180: quoted when it holds a comma, quote, CR or LF; null/undefined is empty.
 *
 * A string that starts like a formula (`=`, `+`, `-`, `@`, tab, CR) gets a leading `'` before the quoting,
 * as OWASP's CSV Injection guidance says, because report cells can hold text a customer typed and a
 * spreadsheet would run it. Numbers are left alone, and so is a string that is a plain number (`-5`,
 * `-9007199254740993`: the warehouse adapters hand integers beyond 2^53 over as strings).
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  let text = typeof value === "object" ? JSON.stringify(value) : String(value);
  if (typeof value === "string" && FORMULA_START.test(text) && !PLAIN_NUMBER.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * CSV with a header row (`text/csv`, CRLF line ends per RFC 4180). Columns are the keys of the first row, or
 * `columns` when given; an empty result without `columns` renders as an empty body.
 */
export async function* renderCsv(rows: RowSource, columns?: readonly string[]): AsyncGenerator<Uint8Array> {
  const buffer = new ChunkBuffer();
  let header: readonly string[] | undefined = columns;
  if (header !== undefined) buffer.push(`${header.map(csvField).join(",")}\r\n`);
  for await (const row of rows) {
    if (header === undefined) {
      header = Object.keys(row);
      buffer.push(`${header.map(csvField).join(",")}\r\n`);
    }
    const cols = header;
    if (buffer.push(`${cols.map((c) => csvField(row[c])).join(",")}\r\n`)) yield buffer.take();
  }
  if (!buffer.empty) yield buffer.take();
}

export interface DocumentHead {
  report_type: string;
  job_id: string;
  generated_at: string;
  parameters: unknown;
  summary: Record<string, unknown>;
}

export type DocumentData =
  | { kind: "rows"; rows: RowSource }
  | {
      kind: "sections";
      sections:
        | AsyncIterable<{ section: string; rows: RowSource }>
        | Iterable<{ section: string; rows: RowSource }>;
    };

const indent = (json: string, by: string) => json.replaceAll("\n", `\n${by}`);

async function* rowsArray(rows: RowSource, pad: string, buffer: ChunkBuffer): AsyncGenerator<Uint8Array> {
  let first = true;
  for await (const row of rows) {
    if (buffer.push(`${first ? "\n" : ",\n"}${pad}${JSON.stringify(row)}`)) yield buffer.take();
    first = false;
  }
  buffer.push(first ? "]" : `\n${pad.slice(2)}]`);
}

/**
 * The report document (`application/json`) in the original system's shape: `report_type`, `job_id`,
 * `generated_at`, `parameters`, `summary`, `data`. Head fields are pretty-printed; `data` rows are written one
 * per line as they stream in.
 */
export async function* renderJsonDocument(
  head: DocumentHead,
  data: DocumentData,
): AsyncGenerator<Uint8Array> {
  const buffer = new ChunkBuffer();
  buffer.push("{\n");
  for (const key of ["report_type", "job_id", "generated_at", "parameters", "summary"] as const) {
    buffer.push(`  ${JSON.stringify(key)}: ${indent(JSON.stringify(head[key] ?? null, null, 2), "  ")},\n`);
  }
  buffer.push('  "data": [');
  if (data.kind === "rows") {
    yield* rowsArray(data.rows, "    ", buffer);
  } else {
    let first = true;
    for await (const section of data.sections) {
      buffer.push(`${first ? "\n" : ",\n"}    {"section": ${JSON.stringify(section.section)}, "rows": [`);
      yield* rowsArray(section.rows, "      ", buffer);
      buffer.push("}");
      first = false;
    }
    buffer.push(first ? "]" : "\n  ]");
  }
  buffer.push("\n}\n");
  yield buffer.take();
}
