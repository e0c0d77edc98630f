/**
 * `npm run bench`: the pipeline against the fewest calls that do the same job, in one invocation on one
 * LocalStack: P1 latency (latency.ts), P2 throughput (throughput.ts), P3 streaming a large export
 * (stream-export.ts), P4 the main job as `npm start` runs it (workflow.ts). Prints one JSON line last;
 * `--quick` for a short run, `--only p1,p2` for parts.
 */
import { mkdirSync } from "node:fs";
import os from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { createDuckDbWarehouse } from "#services/warehouse/duckdb-warehouse.js";
import { down, localAwsEnv, localEndpoint, up } from "../local-aws.js";
import { type Bench, type BenchSettings, provision } from "./bench-topology.js";
import { runLatency } from "./latency.js";
import { log, r2 } from "./measure.js";
import { runStreamBench, STREAM_BENCH_DEFAULTS, type StreamBenchResult } from "./stream-export.js";
import { runThroughput } from "./throughput.js";
import { runWorkflow } from "./workflow.js";

// ---------------------------------------------------------------------------------------------- options

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    "p1-jobs": { type: "string" },
    "p2-jobs": { type: "string" },
    "p3-rows": { type: "string" },
    concurrency: { type: "string" },
    dir: { type: "string" },
  },
});
const num = (flag: string | undefined, env: string | undefined, full: number, quick: number) =>
  Number(flag ?? env ?? (flags.quick ? quick : full));
const settings: BenchSettings = {
  quick: flags.quick === true,
  p1Jobs: num(flags["p1-jobs"], process.env.BENCH_P1_JOBS, 200, 20),
  p2Jobs: num(flags["p2-jobs"], process.env.BENCH_P2_JOBS, 1000, 150),
  p3Rows: num(flags["p3-rows"], process.env.BENCH_P3_ROWS, 5_000_000, 500_000),
  concurrency: num(flags.concurrency, process.env.BENCH_CONCURRENCY, 4, 4),
  dir: resolve(flags.dir ?? process.env.BENCH_DIR ?? "/tmp/report-bench"),
};
const P4_RUNS = flags.quick ? 1 : 3;
const ONLY = new Set((flags.only ?? "p1,p2,p3,p4").split(",").map((s) => s.trim()));

// ----------------------------------------------------------------------------------------------- P3

async function runP3(b: Bench, s: BenchSettings): Promise<StreamBenchResult> {
  const format = process.env.BENCH_P3_FORMAT ?? STREAM_BENCH_DEFAULTS.format;
  log(
    `P3: ${s.p3Rows}-row ${format} export through the worker's path (COPY, sha256, S3ReportStore) to s3://${b.bucket} vs DuckDB COPY`,
  );
  const result = await runStreamBench({
    rows: s.p3Rows,
    dir: s.dir,
    sink: "s3",
    bucket: b.bucket,
    ...STREAM_BENCH_DEFAULTS,
    format: format as StreamBenchResult["format"],
    memoryLimit: process.env.BENCH_DUCKDB_MEMORY_LIMIT ?? STREAM_BENCH_DEFAULTS.memoryLimit,
    threads: Number(process.env.BENCH_DUCKDB_THREADS ?? STREAM_BENCH_DEFAULTS.threads),
    tempDir: join(s.dir, "spill"),
    repeat: s.quick ? 1 : STREAM_BENCH_DEFAULTS.repeat,
  });
  log(`P3: ${JSON.stringify(result)}`);
  return result;
}

// --------------------------------------------------------------------------------------------- main

async function machineFacts() {
  let localstackVersion: string | undefined;
  try {
    const res = await fetch(`${localEndpoint()}/_localstack/health`);
    localstackVersion = ((await res.json()) as { version?: string }).version;
  } catch {
    // reported as unknown
  }
  const w = createDuckDbWarehouse({ path: ":memory:", sampleData: false });
  const { rows } = await w.query("SELECT version() AS v");
  await w.close();
  return {
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model ?? "unknown",
    ram_gb: r2(os.totalmem() / 1024 ** 3),
    node: process.version,
    localstack: localstackVersion ?? "unknown",
    duckdb: String(rows[0]?.v ?? "unknown"),
    kernel: `${os.type()} ${os.release()}`,
  };
}

async function main() {
  mkdirSync(settings.dir, { recursive: true });
  for (const [k, v] of Object.entries(localAwsEnv())) process.env[k] ??= v;
  const local = await up();
  const startedLocalStack = local.started;
  const started = Date.now();
  const load = { start: os.loadavg().map(r2) };
  let b: Bench | undefined;
  try {
    const machine = await machineFacts();
    log(`machine ${JSON.stringify(machine)}; load ${load.start.join(" ")}`);
    b = await provision();
    // a failed part is reported in the JSON (errors) rather than losing the figures of the others
    const errors: Record<string, string> = {};
    const part = async <T>(name: string, fn: () => Promise<T>): Promise<T | undefined> => {
      if (!ONLY.has(name)) return undefined;
      try {
        return await fn();
      } catch (error) {
        errors[name] = (error as Error).message.slice(0, 500);
        log(`${name} failed: ${errors[name]}`);
        return undefined;
      }
    };
    const bench = b;
    const p1 = await part("p1", () => runLatency(bench, settings));
    const p2 = await part("p2", () => runThroughput(bench, settings));
    const p3 = await part("p3", () => runP3(bench, settings));
    const p4 = await part("p4", () => runWorkflow(P4_RUNS));
    const out = {
      mode: flags.quick ? "quick" : "full",
      worker_cpu_ratio: p2?.worker_cpu_ratio ?? null,
      localstack_cpu_ratio: p2?.localstack_cpu_ratio ?? null,
      requests_per_job: p2?.requests_per_job ?? null,
      worker_jobs_per_s_per_vcpu: p2?.worker_jobs_per_s_per_vcpu ?? null,
      p1_overhead_ratio: p1?.median_ratio ?? null,
      p1_p95_ratio: p1?.p95_ratio ?? null,
      p3_peak_rss_mb: p3?.stream.peak_rss_mb ?? null,
      p3_rows_per_s_ratio: p3?.rows_per_s_ratio ?? null,
      p3_format: p3?.format ?? null,
      p4_workflow_s: p4?.median_s ?? null,
      p4_workflow_max_s: p4?.max_s ?? null,
      p1_worker_median_ms: p1?.worker.median_ms ?? null,
      p1_worker_p95_ms: p1?.worker.p95_ms ?? null,
      p1_bare_median_ms: p1?.bare.median_ms ?? null,
      p1_bare_p95_ms: p1?.bare.p95_ms ?? null,
      p3_rows: p3?.rows ?? null,
      p3_rows_per_s: p3?.stream.rows_per_second ?? null,
      p3_copy_rows_per_s: p3?.duckdb_copy_baseline.rows_per_second ?? null,
      p3_rows_per_s_ratio_vs_fastest_copy: p3?.rows_per_s_ratio_vs_fastest_copy ?? null,
      p3_rows_per_s_ratio_uncapped: p3?.rows_per_s_ratio_uncapped ?? null,
      p3_copy_uncapped_rows_per_s: p3?.duckdb_copy_uncapped.rows_per_second ?? null,
      machine,
      load_1m: { start: load.start[0], end: r2(os.loadavg()[0] ?? 0) },
      seconds: Math.round((Date.now() - started) / 1000),
      errors,
      details: { p1, p2, p3, p4 },
    };
    console.log(JSON.stringify(out));
  } finally {
    if (b) await b.dispose().catch((e: Error) => log(`cleanup failed: ${e.message}`));
    if (startedLocalStack) await down();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
