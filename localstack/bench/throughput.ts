/**
 * P2, throughput: a queue of jobs drained by 1 and 2 worker processes against the bare pipeline at the
 * same concurrency, and the emulator's own ceiling (the bare pipeline at high concurrency), with CPU per
 * job in the processes and in LocalStack.
 */
import os from "node:os";
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { submitReportJobs } from "#events/submit-report-job.js";
import { WORKER_SCRIPT } from "../testing.js";
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
  const children = Array.from({ length: procs }, (_, i) =>
    mode === "worker"
      ? spawnChild(dir, `${phase}-${i}`, WORKER_SCRIPT, [], workerEnv(b, concurrency))
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

export async function runThroughput(b: Bench, s: BenchSettings) {
  log(`P2: ${s.p2Jobs} jobs, concurrency ${s.concurrency} per process`);
  // warm the emulator's code paths (first calls into a fresh queue/bucket are slower)
  await drain(b, s.dir, "bare", 1, s.concurrency, Math.min(50, s.p2Jobs));
  const w1 = await drain(b, s.dir, "worker", 1, s.concurrency, s.p2Jobs);
  const b1 = await drain(b, s.dir, "bare", 1, s.concurrency, s.p2Jobs);
  const b2 = await drain(b, s.dir, "bare", 2, s.concurrency, s.p2Jobs);
  const w2 = await drain(b, s.dir, "worker", 2, s.concurrency, s.p2Jobs);
  log(`P2: emulator ceiling, bare ×${s.ceilingProcs} at concurrency ${s.ceilingConcurrency}`);
  const ceiling = await drain(b, s.dir, "bare", s.ceilingProcs, s.ceilingConcurrency, s.p2Jobs);
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
