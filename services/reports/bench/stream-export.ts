/**
 * Streaming benchmark (not a test): renders an N-row export (default 5,000,000) from DuckDB to gzip NDJSON
 * through the same path a report takes (Warehouse.stream -> renderNdjson -> gzip -> sink), reporting rows/s
 * and peak RSS, then DuckDB's own `COPY (…) TO '….ndjson.gz'` on the same query as a baseline, and the ratio.
 *
 *   npm run bench:stream -- [--rows 5000000] [--dir /tmp/report-bench] [--memory-limit 128MB] [--threads 2] [--sink null]
 *
 * The exported query defaults to `reporting.sales_lines` (the view reports read: joins plus the QUALIFY
 * de-duplication of processed/*, whose window operators dominate DuckDB's own memory); set
 * BENCH_SQL="SELECT * FROM raw.order_lines LIMIT ?" to measure the streaming path on a plain scan.
 *
 * The database (sample data at a scale giving ≥ N sales lines) is built once in a child process and kept in
 * --dir, so the RSS measured here is the export's, not the generator's.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createGzip } from "node:zlib";
import { createDuckDbWarehouse } from "#services/warehouse/duckdb-warehouse.js";
import { renderNdjson } from "../render.js";
import type { Row } from "../warehouse.port.js";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "5000000" },
    dir: { type: "string", default: "/tmp/report-bench" },
    "memory-limit": { type: "string", default: "128MB" },
    threads: { type: "string", default: "2" },
    setup: { type: "boolean", default: false },
    sink: { type: "string", default: "file" }, // file | null
  },
});
const rows = Number(values.rows);
const dir = resolve(values.dir);
// ~2.25 completed sales lines per order, 200 orders per unit of scale: scale so that sales_lines >= rows
const scale = Math.ceil((rows / 440) * 1.05);
const dbPath = join(dir, `bench-scale-${scale}.duckdb`);
const EXPORT_SQL = process.env.BENCH_SQL ?? "SELECT * FROM reporting.sales_lines LIMIT ?";
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

if (values.setup) {
  // child process: build the database file once
  const warehouse = createDuckDbWarehouse({ path: dbPath, scale });
  const { rows: count } = await warehouse.query("SELECT COUNT(*) AS n FROM reporting.sales_lines");
  console.log(JSON.stringify({ built: dbPath, scale, sales_lines: count[0]?.n }));
  await warehouse.close();
  process.exit(0);
}

mkdirSync(dir, { recursive: true });
if (!existsSync(dbPath)) {
  console.log(`building sample database at scale ${scale} (one-off) ...`);
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), "--setup", "--rows", String(rows), "--dir", dir],
    { stdio: "inherit" },
  );
  if (child.status !== 0) process.exit(child.status ?? 1);
}

const warehouse = createDuckDbWarehouse({
  path: dbPath,
  sampleData: false,
  memoryLimit: values["memory-limit"],
  threads: Number(values.threads),
});
await warehouse.ping();

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);

// 1. our path
const ours = join(dir, "export.ndjson.gz");
rmSync(ours, { force: true });
let count = 0;
async function* counted(source: AsyncIterable<Row>): AsyncGenerator<Row> {
  for await (const row of source) {
    count += 1;
    yield row;
  }
}
const sink =
  values.sink === "null"
    ? new Writable({
        write(_chunk, _enc, done) {
          done();
        },
      })
    : (await import("node:fs")).createWriteStream(ours);
const t0 = performance.now();
await pipeline(
  Readable.from(renderNdjson(counted(warehouse.stream(EXPORT_SQL, [rows])))),
  createGzip({ level: 6 }),
  sink,
);
const oursSeconds = (performance.now() - t0) / 1000;
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
const oursPeak = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);

// 2. baseline: DuckDB writes the same rows itself
const baseline = join(dir, "baseline.ndjson.gz");
rmSync(baseline, { force: true });
const t1 = performance.now();
await warehouse.exec(
  `COPY (${EXPORT_SQL.replace("?", String(Math.trunc(rows)))}) TO '${baseline}' (FORMAT JSON, COMPRESSION GZIP)`,
);
const baseSeconds = (performance.now() - t1) / 1000;
await warehouse.close();

const result = {
  rows: count,
  stream: {
    seconds: Math.round(oursSeconds * 100) / 100,
    rows_per_second: Math.round(count / oursSeconds),
    peak_rss_mb: mb(oursPeak),
    output_mb: values.sink === "null" ? null : mb(statSync(ours).size),
  },
  duckdb_copy_baseline: {
    seconds: Math.round(baseSeconds * 100) / 100,
    rows_per_second: Math.round(count / baseSeconds),
    output_mb: mb(statSync(baseline).size),
  },
  slowdown_vs_copy: Math.round((oursSeconds / baseSeconds) * 100) / 100,
  rss_target_mb: 256,
  rss_within_target: mb(oursPeak) <= 256,
};
console.log(JSON.stringify(result, null, 2));
