/**
 * Reads a Parquet file with pyarrow (in the fakesnow venv, which pins it: requirements.lock.txt), for tests
 * that prove a report's Parquet opens in the reader most data tools use, not only in DuckDB.
 */
import { execFileSync } from "node:child_process";
import { ensureFakesnowVenv } from "./fakesnow-server.js";

const SCRIPT = `
import json, sys
import pyarrow.parquet as pq
table = pq.read_table(sys.argv[1])
meta = pq.ParquetFile(sys.argv[1]).metadata
print(json.dumps({
  "num_rows": table.num_rows,
  "row_groups": meta.num_row_groups,
  "schema": {f.name: str(f.type) for f in table.schema},
  "rows": table.slice(0, int(sys.argv[2])).to_pylist(),
}, default=str))
`;

export interface PyarrowTable {
  num_rows: number;
  row_groups: number;
  /** Column name → Arrow type, e.g. `decimal128(38, 2)`, `string`, `date32[day]`. */
  schema: Record<string, string>;
  /** The first rows; decimals, dates and timestamps as their text (`str()`). */
  rows: Record<string, unknown>[];
}

export function pyarrowRead(path: string, firstRows = 10): PyarrowTable {
  const python = ensureFakesnowVenv();
  const out = execFileSync(python, ["-c", SCRIPT, path, String(firstRows)], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out) as PyarrowTable;
}
