/**
 * P2, cost per job: a queue of jobs drained by the worker and by the bare pipeline at the same concurrency,
 * with AWS requests per job (counted in an SDK middleware), CPU per job in the process and in LocalStack,
 * and then the event consumers working the worker's events. Jobs/s is logged, not reported: on one
 * LocalStack process it measures the emulator.
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { PurgeQueueCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { submitReportJobs } from "#events/submit-report-job.js";
import { CONSUMER_IDS, type ConsumerId } from "#events/topology.js";
import { queueDepth } from "../testing.js";
import {
  type Bench,
  type BenchSettings,
  connectivityJob,
  jobIdOf,
  POLL_WAIT_SECONDS,
  spawnChild,
  stopChild,
  workerEnv,
} from "./bench-topology.js";
import { type CpuWindow, cpuSnapshot, cpuWindow, log, processCpuSeconds, r2, r3 } from "./measure.js";
import { perJob, sumOf } from "./request-counter.js";

/** The deployed worker with its AWS requests counted (counting-worker.ts). */
const COUNTING_WORKER = "localstack/bench/counting-worker.ts";
/** One deployed event consumer with its AWS requests counted (counting-consumers.ts). */
const COUNTING_CONSUMERS = "localstack/bench/counting-consumers.ts";

/** What one event consumer costs per job: its requests and its own CPU (LocalStack's is the phase's). */
export interface ConsumerCost {
  id: ConsumerId;
  requests_per_job: Record<string, number>;
  requests_per_job_total: number;
  cpu_ms_per_job_in_process: number;
}

export interface ConsumersResult {
  jobs: number;
  seconds: number;
  consumers: ConsumerCost[];
  /** LocalStack CPU while the three consumers worked the jobs' events, per job. */
  cpu_ms_per_job_in_localstack: number;
}

/** Messages in each consumer's queue (visible, in flight, delayed). */
const consumerDepths = (b: Bench) =>
  Promise.all(CONSUMER_IDS.map((id) => queueDepth(b.t.clients, b.t.provisioned.consumers[id].queueUrl)));

/** Empties the consumers' queues (events of earlier phases), so a phase's counts are its own jobs'. */
async function purgeConsumerQueues(b: Bench): Promise<void> {
  for (const id of CONSUMER_IDS)
    await b.t.clients.sqs.send(new PurgeQueueCommand({ QueueUrl: b.t.provisioned.consumers[id].queueUrl }));
  // SQS may take a moment to purge; wait until every queue reads empty
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const depths = await consumerDepths(b);
    if (depths.every((d) => d === 0)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The event consumers' cost per job: the events the worker phase left in the organize / notify / audit
 * queues (nobody consumed them) are worked by each consumer in a process of its own, until every queue is
 * empty twice in a row; the counts and CPU are divided by that phase's jobs.
 */
async function drainConsumers(b: Bench, dir: string, jobs: number): Promise<ConsumersResult> {
  const phase = `p2c-${Math.random().toString(36).slice(2, 6)}`;
  const countsFile = (id: ConsumerId) => join(dir, "logs", `${phase}-${id}.requests.json`);
  const children = CONSUMER_IDS.map((id) =>
    spawnChild(dir, `${phase}-${id}`, COUNTING_CONSUMERS, [id], {
      REPORTS_PREFIX: b.prefix,
      POLL_WAIT_SECONDS: String(POLL_WAIT_SECONDS),
      CONSUMER_CONCURRENCY: "8",
      BENCH_REQUEST_COUNTS_FILE: countsFile(id),
    }),
  );
  await Promise.all(children.map((c) => c.waitForLine("consumers started")));
  const startCpu = cpuSnapshot();
  const procCpu0 = children.map((c) => processCpuSeconds(c.child.pid ?? 0) ?? 0);
  const t0 = performance.now();
  const deadline = Date.now() + 120_000 + jobs * 500;
  let emptyInARow = 0;
  while (emptyInARow < 2 && Date.now() < deadline) {
    const depths = await consumerDepths(b);
    emptyInARow = depths.every((d) => d === 0) ? emptyInARow + 1 : 0;
    await new Promise((r) => setTimeout(r, 500));
  }
  const seconds = (performance.now() - t0) / 1000;
  const endCpu = cpuSnapshot();
  const procCpu1 = children.map((c) => processCpuSeconds(c.child.pid ?? 0) ?? 0);
  await Promise.all(children.map(stopChild));
  if (emptyInARow < 2) throw new Error(`${phase}: the consumers' queues did not drain; logs in ${dir}/logs`);
  const consumers = CONSUMER_IDS.map((id, i): ConsumerCost => {
    const counts = JSON.parse(readFileSync(countsFile(id), "utf8")) as Record<string, number>;
    const requests = perJob(counts, jobs);
    return {
      id,
      requests_per_job: requests,
      requests_per_job_total: sumOf(requests),
      cpu_ms_per_job_in_process: r2((((procCpu1[i] ?? 0) - (procCpu0[i] ?? 0)) * 1000) / jobs),
    };
  });
  const result: ConsumersResult = {
    jobs,
    seconds: r2(seconds),
    consumers,
    cpu_ms_per_job_in_localstack: r2(((endCpu.ls - startCpu.ls) * 1000) / jobs),
  };
  log(`P2 consumers: ${JSON.stringify(result)}`);
  return result;
}

interface DrainResult {
  mode: "worker" | "bare";
  procs: number;
  concurrency_per_proc: number;
  jobs: number;
  seconds: number;
  jobs_per_s: number;
  /** AWS requests per second the processes made (counted in an SDK middleware). */
  api_calls_per_s: number;
  /** AWS requests per job, by `Service.Operation`, from process start to stop (polls and start-up included). */
  requests_per_job: Record<string, number>;
  requests_per_job_total: number;
  cpu_ms_per_job_in_processes: number;
  cpu_ms_per_job_in_localstack: number;
  cpu: CpuWindow;
  load_1m_at_start: number;
}

async function drain(
  b: Bench,
  dir: string,
  mode: "worker" | "bare",
  procs: number,
  concurrency: number,
  jobs: number,
): Promise<DrainResult> {
  const phase = `p2${mode[0]}${procs}c${concurrency}-${Math.random().toString(36).slice(2, 6)}`;
  const drafts = Array.from({ length: jobs }, (_, i) => connectivityJob(`${phase}-${i}`));
  const sent = await submitReportJobs(b.t.clients.sqs, b.jobsQueueUrl, drafts);
  if (sent.failed > 0) throw new Error(`${phase}: ${sent.failed} jobs not enqueued`);
  const countsFile = (i: number) => join(dir, "logs", `${phase}-${i}.requests.json`);
  const children = Array.from({ length: procs }, (_, i) =>
    mode === "worker"
      ? spawnChild(dir, `${phase}-${i}`, COUNTING_WORKER, [], {
          ...workerEnv(b, concurrency),
          BENCH_REQUEST_COUNTS_FILE: countsFile(i),
        })
      : spawnChild(
          dir,
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
    throw new Error(`${phase}: only ${seen.size}/${jobs} ReportGenerated seen; logs in ${dir}/logs`);
  const counts: Record<string, number> = {};
  stopped.forEach((lastLine, i) => {
    const own =
      mode === "bare"
        ? (JSON.parse(lastLine) as { requests: Record<string, number> }).requests
        : (JSON.parse(readFileSync(countsFile(i), "utf8")) as Record<string, number>);
    for (const [op, n] of Object.entries(own)) counts[op] = (counts[op] ?? 0) + n;
  });
  const calls = Object.values(counts).reduce((a, v) => a + v, 0);
  const requestsPerJob = perJob(counts, jobs);
  const seconds = (tLast - tReady) / 1000;
  const procCpu = procCpu1.reduce((a, v, i) => a + v - (procCpu0[i] ?? 0), 0);
  const result: DrainResult = {
    mode,
    procs,
    concurrency_per_proc: concurrency,
    jobs,
    seconds: r2(seconds),
    jobs_per_s: r2(afterReady / seconds),
    api_calls_per_s: r2(calls / seconds),
    requests_per_job: requestsPerJob,
    requests_per_job_total: sumOf(requestsPerJob),
    cpu_ms_per_job_in_processes: r2((procCpu * 1000) / jobs),
    cpu_ms_per_job_in_localstack: r2(((endCpu.ls - startCpu.ls) * 1000) / jobs),
    cpu: cpuWindow(startCpu, endCpu),
    load_1m_at_start: r2(load),
  };
  log(`P2 ${mode} ×${procs}: ${JSON.stringify(result)}`);
  return result;
}

export async function runThroughput(b: Bench, s: BenchSettings) {
  log(`P2: ${s.p2Jobs} jobs, concurrency ${s.concurrency} per process`);
  // warm the emulator's code paths (first calls into a fresh queue/bucket are slower)
  await drain(b, s.dir, "bare", 1, s.concurrency, Math.min(50, s.p2Jobs));
  await purgeConsumerQueues(b);
  const w1 = await drain(b, s.dir, "worker", 1, s.concurrency, s.p2Jobs);
  // the events w1's jobs left in the consumers' queues: what the consumers cost per job
  const consumerCost = await drainConsumers(b, s.dir, s.p2Jobs);
  const b1 = await drain(b, s.dir, "bare", 1, s.concurrency, s.p2Jobs);
  // No jobs/s ratios and no "2 processes vs 1": LocalStack is one Python process near a core here, so those
  // measure the emulator's ceiling, not the worker (README "Performance").
  const cost = {
    worker_cpu_ratio: r3(w1.cpu_ms_per_job_in_processes / b1.cpu_ms_per_job_in_processes),
    localstack_cpu_ratio: r3(w1.cpu_ms_per_job_in_localstack / b1.cpu_ms_per_job_in_localstack),
    requests_per_job: {
      worker: { total: w1.requests_per_job_total, ...w1.requests_per_job },
      ...Object.fromEntries(
        consumerCost.consumers.map((c) => [c.id, { total: c.requests_per_job_total, ...c.requests_per_job }]),
      ),
      bare: { total: b1.requests_per_job_total, ...b1.requests_per_job },
    },
    consumers_cpu_ms_per_job: Object.fromEntries(
      consumerCost.consumers.map((c) => [c.id, c.cpu_ms_per_job_in_process]),
    ),
    consumers_localstack_cpu_ms_per_job: consumerCost.cpu_ms_per_job_in_localstack,
    // one vCPU's worth of the worker's own CPU time, at what a job costs it (LocalStack not included)
    worker_jobs_per_s_per_vcpu: r2(1000 / w1.cpu_ms_per_job_in_processes),
  };
  for (const line of costTable([w1, b1], consumerCost)) log(line);
  return {
    ...cost,
    consumers: consumerCost,
    worker_1: w1,
    bare_1: b1,
  };
}

/**
 * The cost per job, by part, as a table for the log: requests by operation, CPU in the process and in
 * LocalStack (the consumers' LocalStack CPU is their phase's, for the three together).
 */
export function costTable(results: readonly DrainResult[], consumers?: ConsumersResult): string[] {
  const parts = [
    ...results.map((r) => ({
      name: `${r.mode}×${r.procs}`,
      requests: r.requests_per_job,
      total: r.requests_per_job_total,
      cpu: r.cpu_ms_per_job_in_processes,
      ls: String(r.cpu_ms_per_job_in_localstack),
    })),
    ...(consumers?.consumers ?? []).map((c, i) => ({
      name: c.id,
      requests: c.requests_per_job,
      total: c.requests_per_job_total,
      cpu: c.cpu_ms_per_job_in_process,
      ls: i === 0 ? `${consumers?.cpu_ms_per_job_in_localstack} (3 together)` : "",
    })),
  ];
  const ops = [...new Set(parts.flatMap((p) => Object.keys(p.requests)))].sort();
  const rows: string[][] = [
    ["per job", ...parts.map((p) => p.name)],
    ...ops.map((op) => [op, ...parts.map((p) => String(p.requests[op] ?? "-"))]),
    ["requests (total)", ...parts.map((p) => String(p.total))],
    ["CPU ms in process", ...parts.map((p) => String(p.cpu))],
    ["CPU ms in LocalStack", ...parts.map((p) => p.ls)],
  ];
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? "").length))) ?? [];
  return rows.map((row) =>
    row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join("  "),
  );
}
