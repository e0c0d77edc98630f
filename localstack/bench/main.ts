import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import { DetailType } from "#events/names.js";
import {
  jobMessageAttributes,
  prepareReportJob,
  submitReportJob,
  submitReportJobs,
} from "#events/submit-report-job.js";
import { openEventTap } from "#services/cli/event-tap.js";
import { createDuckDbWarehouse } from "#services/warehouse/duckdb-warehouse.js";
import { down, localAwsEnv, localEndpoint, up } from "../local-aws.js";
import { type ServiceProcess, startService } from "../service-process.js";
import { createTestTopology, type TestTopology, uniquePrefix, WORKER_SCRIPT } from "../testing.js";
import { BarePipeline, type CallTimings } from "./bare-pipeline.js";
import { runStreamBench, STREAM_BENCH_DEFAULTS, type StreamBenchResult } from "./stream-export.js";

// ---------------------------------------------------------------------------------------------- options

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    "p1-jobs": { type: "string" },
    "p2-jobs": { type: "string" },
    "p3-rows": { type: "string" },
    concurrency: { type: "string" },
    "ceiling-concurrency": { type: "string", default: "16" },
    "ceiling-procs": { type: "string", default: "2" },
    dir: { type: "string" },
  },
});
const num = (flag: string | undefined, env: string | undefined, full: number, quick: number) =>
  Number(flag ?? env ?? (flags.quick ? quick : full));
const P1_JOBS = num(flags["p1-jobs"], process.env.BENCH_P1_JOBS, 200, 20);
const P2_JOBS = num(flags["p2-jobs"], process.env.BENCH_P2_JOBS, 1000, 150);
const P3_ROWS = num(flags["p3-rows"], process.env.BENCH_P3_ROWS, 5_000_000, 500_000);
const CONCURRENCY = num(flags.concurrency, process.env.BENCH_CONCURRENCY, 4, 4);
const CEILING_CONCURRENCY = Number(flags["ceiling-concurrency"]);
const CEILING_PROCS = Number(flags["ceiling-procs"]);
const DIR = resolve(flags.dir ?? process.env.BENCH_DIR ?? "/tmp/report-bench");
const ONLY = new Set((flags.only ?? "p1,p2,p3").split(",").map((s) => s.trim()));
/** Long-poll wait for the worker and the bare script alike (short, so stopping a phase is quick). */
const POLL_WAIT_SECONDS = 2;
const P1_BLOCK = 10;

const log = (message: string) =>
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
const r2 = (n: number) => Math.round(n * 100) / 100;
const r3 = (n: number) => Math.round(n * 1000) / 1000;
const _sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (pos - lo);
}

// ------------------------------------------------------------------------------- CPU accounting (/proc)

const CLK_TCK = 100;

/** utime + stime of a process (all its threads), seconds; undefined once it is gone. */
function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** The host-mode LocalStack process(es), found by command line (read only). */
function localStackPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes("localstack.runtime.main"))
        pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

function localStackCpu(): number {
  return localStackPids().reduce((sum, pid) => sum + (processCpuSeconds(pid) ?? 0), 0);
}

/** Whole-machine busy and total CPU seconds (all cores). */
function machineCpu(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0) / CLK_TCK;
  const idle = ((v[3] ?? 0) + (v[4] ?? 0)) / CLK_TCK;
  return { busy: total - idle, total };
}

interface CpuWindow {
  /** Cores LocalStack kept busy on average. */
  localstack_cores: number;
  /** Cores busy on the whole machine (incl. other engineers' work). */
  machine_busy_cores: number;
}

function cpuSnapshot() {
  return { t: performance.now(), ls: localStackCpu(), machine: machineCpu() };
}

function cpuWindow(a: ReturnType<typeof cpuSnapshot>, b: ReturnType<typeof cpuSnapshot>): CpuWindow {
  const seconds = (b.t - a.t) / 1000;
  return {
    localstack_cores: r2((b.ls - a.ls) / seconds),
    machine_busy_cores: r2((b.machine.busy - a.machine.busy) / seconds),
  };
}

// ------------------------------------------------------------------------------------- child processes

/** A measured child process: the worker or the bare pipeline, logging to `<DIR>/logs/<name>.log`. */
function spawnChild(
  name: string,
  script: string,
  args: string[],
  env: Record<string, string>,
): ServiceProcess {
  return startService({ name, script, args, env, logFile: join(DIR, "logs", `${name}.log`) });
}

/** Stops a child and returns its last output line (the bare pipeline prints its call count there). */
async function stopChild(child: ServiceProcess): Promise<string> {
  await child.stop();
  return child.lines.filter((line) => line.trim() !== "").at(-1) ?? "";
}

// ------------------------------------------------------------------------------------------- topology

interface Bench {
  t: TestTopology;
  prefix: string;
  jobsQueueUrl: string;
  bareQueueUrl: string;
  subscriberUrl: string;
  bucket: string;
  busName: string;
  dispose(): Promise<void>;
}

async function provision(): Promise<Bench> {
  const prefix = uniquePrefix("bench");
  const t = await createTestTopology({ prefix });
  const { sqs } = t.clients;
  const bare = await sqs.send(new CreateQueueCommand({ QueueName: `${prefix}-bare-jobs` }));
  const busName = t.provisioned.busName;
  // a subscriber as users make one: a rule on ReportGenerated into a queue of its own
  const subscriber = await openEventTap(t.clients, {
    busName,
    namePrefix: `${prefix}-bench-subscriber`,
    filter: { detailTypes: [DetailType.ReportGenerated] },
  });
  return {
    t,
    prefix,
    jobsQueueUrl: t.provisioned.jobs.queueUrl,
    bareQueueUrl: bare.QueueUrl ?? "",
    subscriberUrl: subscriber.queueUrl,
    bucket: t.provisioned.bucket,
    busName,
    async dispose() {
      const quiet = (p: Promise<unknown>) => p.catch((e: Error) => log(`cleanup: ${e.message}`));
      await quiet(subscriber.close());
      await quiet(sqs.send(new DeleteQueueCommand({ QueueUrl: bare.QueueUrl })));
      await t.dispose();
    },
  };
}

const jobIdOf = (m: Message): string | undefined => {
  try {
    return (JSON.parse(m.Body ?? "{}") as { detail?: { jobId?: string } }).detail?.jobId;
  } catch {
    return undefined;
  }
};

/** Waits for the ReportGenerated of one job on the subscriber queue (deleting what it reads). */
async function observe(b: Bench, jobId: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const out = await b.t.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: b.subscriberUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 20 }),
    );
    const messages = out.Messages ?? [];
    const found = messages.some((m) => jobIdOf(m) === jobId);
    if (messages.length > 0) {
      // deleted in the background so the caller's clock stops at arrival; the same for every variant
      void b.t.clients.sqs
        .send(
          new DeleteMessageBatchCommand({
            QueueUrl: b.subscriberUrl,
            Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        )
        .catch(() => undefined);
    }
    if (found) return;
  }
  throw new Error(`no ReportGenerated for ${jobId} within ${timeoutMs} ms`);
}

// ----------------------------------------------------------------------------------------------- P1

function workerEnv(b: Bench, concurrency: number): Record<string, string> {
  return {
    REPORTS_PREFIX: b.prefix,
    WORKER_CONCURRENCY: String(concurrency),
    HTTP_PORT: "0",
    POLL_WAIT_SECONDS: String(POLL_WAIT_SECONDS),
    DRAIN_TIMEOUT_MS: "15000",
    DUCKDB_PATH: ":memory:",
  };
}

const connectivityJob = (jobId: string) => ({
  jobId,
  reportType: "connectivity_test" as const,
  parameters: {},
  format: "json" as const,
});

async function runP1(b: Bench) {
  log(
    `P1: ${P1_JOBS} sequential connectivity jobs per variant (worker, bare, bare+worker-calls), blocks of ${P1_BLOCK}`,
  );
  const worker = spawnChild("p1-worker", WORKER_SCRIPT, [], workerEnv(b, CONCURRENCY));
  await worker.waitForLine("worker started");
  const warehouse = createDuckDbWarehouse({ path: ":memory:", scale: 1 });
  await warehouse.ping();
  const bare = new BarePipeline(b.t.clients, warehouse, {
    queueUrl: b.bareQueueUrl,
    bucket: b.bucket,
    busName: b.busName,
  });
  const runId = Math.random().toString(36).slice(2, 8);
  let seq = 0;

  const viaWorker = async (): Promise<number> => {
    const jobId = `p1w-${runId}-${seq++}`;
    const t0 = performance.now();
    await submitReportJob(b.t.clients.sqs, b.jobsQueueUrl, connectivityJob(jobId));
    await observe(b, jobId);
    return performance.now() - t0;
  };
  const timings: Record<"bare" | "bare_plus", CallTimings[]> = { bare: [], bare_plus: [] };
  const viaBare = async (extras: boolean): Promise<number> => {
    const jobId = `p1b-${runId}-${seq++}`;
    const calls: CallTimings = {};
    const t0 = performance.now();
    const job = prepareReportJob(connectivityJob(jobId));
    let t = performance.now();
    await b.t.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: b.bareQueueUrl,
        MessageBody: JSON.stringify(job),
        MessageAttributes: jobMessageAttributes(job),
      }),
    );
    calls.send_message = performance.now() - t;
    t = performance.now();
    let messages = await bare.receive(1, POLL_WAIT_SECONDS);
    while (messages.length === 0) messages = await bare.receive(1, POLL_WAIT_SECONDS);
    calls.receive_message = performance.now() - t;
    await bare.process(messages[0] as Message, calls, extras);
    t = performance.now();
    await observe(b, jobId);
    calls.observe_event = performance.now() - t;
    const total = performance.now() - t0;
    timings[extras ? "bare_plus" : "bare"].push(calls);
    return total;
  };

  // warm-up (JIT, connections, DuckDB), not counted
  for (let i = 0; i < 5; i++) {
    await viaWorker();
    await viaBare(false);
    await viaBare(true);
  }
  const lat = { worker: [] as number[], bare: [] as number[], bare_plus: [] as number[] };
  const before = cpuSnapshot();
  const load = os.loadavg()[0] ?? 0;
  for (let done = 0, block = 0; done < P1_JOBS; done += P1_BLOCK, block++) {
    const n = Math.min(P1_BLOCK, P1_JOBS - done);
    // rotate the order so drift in machine load does not favour one variant
    const order = [
      ["worker", "bare", "bare_plus"],
      ["bare", "bare_plus", "worker"],
      ["bare_plus", "worker", "bare"],
    ][block % 3] as ("worker" | "bare" | "bare_plus")[];
    for (const variant of order) {
      for (let i = 0; i < n; i++) {
        lat[variant].push(variant === "worker" ? await viaWorker() : await viaBare(variant === "bare_plus"));
      }
    }
  }
  const cpu = cpuWindow(before, cpuSnapshot());
  await stopChild(worker);
  await warehouse.close();

  const summary = (xs: number[]) => ({ median_ms: r2(quantile(xs, 0.5)), p95_ms: r2(quantile(xs, 0.95)) });
  const breakdown = (list: CallTimings[]) => {
    const keys = [...new Set(list.flatMap((c) => Object.keys(c)))];
    return Object.fromEntries(
      keys.map((k) => [
        k,
        r2(
          quantile(
            list.map((c) => c[k] ?? 0),
            0.5,
          ),
        ),
      ]),
    );
  };
  const w = summary(lat.worker);
  const bb = summary(lat.bare);
  const bp = summary(lat.bare_plus);
  const result = {
    jobs_per_variant: P1_JOBS,
    worker: w,
    bare: bb,
    bare_plus_worker_calls: bp,
    median_ratio: r3(w.median_ms / bb.median_ms),
    p95_ratio: r3(w.p95_ms / bb.p95_ms),
    /** Median worker latency over the bare script that also makes the worker's extra calls. */
    median_ratio_vs_same_calls: r3(w.median_ms / bp.median_ms),
    bare_call_medians_ms: breakdown(timings.bare),
    bare_plus_call_medians_ms: breakdown(timings.bare_plus),
    cpu,
    load_1m_at_start: r2(load),
  };
  log(`P1: ${JSON.stringify(result)}`);
  return result;
}

// ----------------------------------------------------------------------------------------------- P2

interface DrainResult {
  mode: "worker" | "bare";
  procs: number;
  concurrency_per_proc: number;
  jobs: number;
  seconds: number;
  jobs_per_s: number;
  /** AWS API calls per second made by the bare script (its own count; bare runs only). */
  api_calls_per_s?: number;
  cpu_ms_per_job_in_processes: number;
  cpu_ms_per_job_in_localstack: number;
  cpu: CpuWindow;
  load_1m_at_start: number;
}

async function drain(
  b: Bench,
  mode: "worker" | "bare",
  procs: number,
  concurrency: number,
  jobs: number,
): Promise<DrainResult> {
  const phase = `p2${mode[0]}${procs}c${concurrency}-${Math.random().toString(36).slice(2, 6)}`;
  const drafts = Array.from({ length: jobs }, (_, i) => connectivityJob(`${phase}-${i}`));
  const sent = await submitReportJobs(b.t.clients.sqs, b.jobsQueueUrl, drafts);
  if (sent.failed > 0) throw new Error(`${phase}: ${sent.failed} jobs not enqueued`);
  const children = Array.from({ length: procs }, (_, i) =>
    mode === "worker"
      ? spawnChild(`${phase}-${i}`, WORKER_SCRIPT, [], workerEnv(b, concurrency))
      : spawnChild(
          `${phase}-${i}`,
          "localstack/bench/bare-pipeline.ts",
          [
            "--queue-url",
            b.jobsQueueUrl,
            "--bucket",
            b.bucket,
            "--bus",
            b.busName,
            "--concurrency",
            String(concurrency),
            "--wait-seconds",
            String(POLL_WAIT_SECONDS),
          ],
          {},
        ),
  );
  const ready = mode === "worker" ? "worker started" : "bare pipeline ready";
  await Promise.all(children.map((c) => c.waitForLine(ready)));
  const load = os.loadavg()[0] ?? 0;
  const startCpu = cpuSnapshot();
  const tReady = performance.now();
  const procCpu0 = children.map((c) => processCpuSeconds(c.child.pid ?? 0) ?? 0);
  const seen = new Set<string>();
  let afterReady = 0;
  let tLast = tReady;
  const deadline = Date.now() + 120_000 + jobs * 500;
  while (seen.size < jobs && Date.now() < deadline) {
    const out = await b.t.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: b.subscriberUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 3600, // not deleted: the queue goes at the end; saves the emulator the calls
      }),
    );
    const now = performance.now();
    for (const m of out.Messages ?? []) {
      const id = jobIdOf(m);
      if (!id?.startsWith(phase) || seen.has(id)) continue;
      seen.add(id);
      afterReady += 1;
      tLast = now;
    }
  }
  const endCpu = cpuSnapshot();
  const procCpu1 = children.map((c) => processCpuSeconds(c.child.pid ?? 0) ?? 0);
  const stopped = await Promise.all(children.map(stopChild));
  if (seen.size < jobs)
    throw new Error(`${phase}: only ${seen.size}/${jobs} ReportGenerated seen; logs in ${DIR}/logs`);
  let calls = 0;
  if (mode === "bare") {
    for (const lastLine of stopped) calls += (JSON.parse(lastLine) as { calls: number }).calls;
  }
  const seconds = (tLast - tReady) / 1000;
  const procCpu = procCpu1.reduce((a, v, i) => a + v - (procCpu0[i] ?? 0), 0);
  const result: DrainResult = {
    mode,
    procs,
    concurrency_per_proc: concurrency,
    jobs,
    seconds: r2(seconds),
    jobs_per_s: r2(afterReady / seconds),
    ...(mode === "bare" ? { api_calls_per_s: r2(calls / seconds) } : {}),
    cpu_ms_per_job_in_processes: r2((procCpu * 1000) / jobs),
    cpu_ms_per_job_in_localstack: r2(((endCpu.ls - startCpu.ls) * 1000) / jobs),
    cpu: cpuWindow(startCpu, endCpu),
    load_1m_at_start: r2(load),
  };
  log(`P2 ${mode} ×${procs}: ${JSON.stringify(result)}`);
  return result;
}

async function runP2(b: Bench) {
  log(`P2: ${P2_JOBS} jobs, concurrency ${CONCURRENCY} per process`);
  // warm the emulator's code paths (first calls into a fresh queue/bucket are slower)
  await drain(b, "bare", 1, CONCURRENCY, Math.min(50, P2_JOBS));
  const w1 = await drain(b, "worker", 1, CONCURRENCY, P2_JOBS);
  const b1 = await drain(b, "bare", 1, CONCURRENCY, P2_JOBS);
  const b2 = await drain(b, "bare", 2, CONCURRENCY, P2_JOBS);
  const w2 = await drain(b, "worker", 2, CONCURRENCY, P2_JOBS);
  log(`P2: emulator ceiling, bare ×${CEILING_PROCS} at concurrency ${CEILING_CONCURRENCY}`);
  const ceiling = await drain(b, "bare", CEILING_PROCS, CEILING_CONCURRENCY, P2_JOBS);
  return {
    worker_1: w1,
    worker_2: w2,
    bare_1: b1,
    bare_2: b2,
    emulator_ceiling: ceiling,
    throughput_ratio_1: r3(w1.jobs_per_s / b1.jobs_per_s),
    throughput_ratio_2: r3(w2.jobs_per_s / b2.jobs_per_s),
    scaling_2v1_worker: r3(w2.jobs_per_s / w1.jobs_per_s),
    scaling_2v1_bare: r3(b2.jobs_per_s / b1.jobs_per_s),
  };
}

// ----------------------------------------------------------------------------------------------- P3

async function runP3(b: Bench): Promise<StreamBenchResult> {
  log(`P3: ${P3_ROWS}-row gzip NDJSON export to s3://${b.bucket} (multipart) vs DuckDB COPY`);
  const result = await runStreamBench({
    rows: P3_ROWS,
    dir: DIR,
    sink: "s3",
    bucket: b.bucket,
    ...STREAM_BENCH_DEFAULTS,
    memoryLimit: process.env.BENCH_DUCKDB_MEMORY_LIMIT ?? STREAM_BENCH_DEFAULTS.memoryLimit,
    threads: Number(process.env.BENCH_DUCKDB_THREADS ?? STREAM_BENCH_DEFAULTS.threads),
    tempDir: join(DIR, "spill"),
    repeat: flags.quick ? 1 : STREAM_BENCH_DEFAULTS.repeat,
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
  mkdirSync(DIR, { recursive: true });
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
    const p1 = await part("p1", () => runP1(bench));
    const p2 = await part("p2", () => runP2(bench));
    const p3 = await part("p3", () => runP3(bench));
    const out = {
      mode: flags.quick ? "quick" : "full",
      p1_overhead_ratio: p1?.median_ratio ?? null,
      p1_p95_ratio: p1?.p95_ratio ?? null,
      p2_throughput_ratio: p2 ? Math.min(p2.throughput_ratio_1, p2.throughput_ratio_2) : null,
      p2_scaling_2v1: p2?.scaling_2v1_worker ?? null,
      p3_peak_rss_mb: p3?.stream.peak_rss_mb ?? null,
      p3_rows_per_s_ratio: p3?.rows_per_s_ratio ?? null,
      p1_worker_median_ms: p1?.worker.median_ms ?? null,
      p1_worker_p95_ms: p1?.worker.p95_ms ?? null,
      p1_bare_median_ms: p1?.bare.median_ms ?? null,
      p1_bare_p95_ms: p1?.bare.p95_ms ?? null,
      p2_worker_1_jobs_per_s: p2?.worker_1.jobs_per_s ?? null,
      p2_worker_2_jobs_per_s: p2?.worker_2.jobs_per_s ?? null,
      p2_bare_1_jobs_per_s: p2?.bare_1.jobs_per_s ?? null,
      p2_bare_2_jobs_per_s: p2?.bare_2.jobs_per_s ?? null,
      p2_bare_scaling_2v1: p2?.scaling_2v1_bare ?? null,
      p2_emulator_ceiling_jobs_per_s: p2?.emulator_ceiling.jobs_per_s ?? null,
      p2_emulator_ceiling_api_calls_per_s: p2?.emulator_ceiling.api_calls_per_s ?? null,
      p3_rows: p3?.rows ?? null,
      p3_rows_per_s: p3?.stream.rows_per_second ?? null,
      p3_copy_rows_per_s: p3?.duckdb_copy_baseline.rows_per_second ?? null,
      machine,
      load_1m: { start: load.start[0], end: r2(os.loadavg()[0] ?? 0) },
      seconds: Math.round((Date.now() - started) / 1000),
      errors,
      details: { p1, p2, p3 },
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
