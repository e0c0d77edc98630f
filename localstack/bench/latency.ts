/**
 * P1, latency: jobs one at a time, submit → ReportGenerated seen by a subscriber, through the worker and
 * through the bare pipeline (the fewest calls that do the job; bare-pipeline.ts) with and without the
 * worker's extra calls, in rotating blocks so drift in machine load favours no variant.
 */
import os from "node:os";
import { type Message, SendMessageCommand } from "@aws-sdk/client-sqs";
import { jobMessageAttributes, prepareReportJob, submitReportJob } from "#events/submit-report-job.js";
import { createDuckDbWarehouse } from "#services/warehouse/duckdb-warehouse.js";
import { WORKER_SCRIPT } from "../testing.js";
import { BarePipeline, type CallTimings } from "./bare-pipeline.js";
import {
  type Bench,
  type BenchSettings,
  connectivityJob,
  observe,
  POLL_WAIT_SECONDS,
  spawnChild,
  stopChild,
  workerEnv,
} from "./bench-topology.js";
import { cpuSnapshot, cpuWindow, log, quantile, r2, r3 } from "./measure.js";

const P1_BLOCK = 10;

export async function runLatency(b: Bench, s: BenchSettings) {
  log(
    `P1: ${s.p1Jobs} sequential connectivity jobs per variant (worker, bare, bare+worker-calls), blocks of ${P1_BLOCK}`,
  );
  const worker = spawnChild(s.dir, "p1-worker", WORKER_SCRIPT, [], workerEnv(b, s.concurrency));
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
  for (let done = 0, block = 0; done < s.p1Jobs; done += P1_BLOCK, block++) {
    const n = Math.min(P1_BLOCK, s.p1Jobs - done);
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
    jobs_per_variant: s.p1Jobs,
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
