/**
 * What the benchmarks measure with: rounding, quantiles, a timestamped progress log on stderr, and CPU
 * accounting from /proc (a process's utime + stime, the host-mode LocalStack's, the whole machine's).
 */
import { readdirSync, readFileSync } from "node:fs";
import { isLocalStackCmdline, launchedPid } from "../local-aws.js";

export const log = (message: string) =>
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
export const r2 = (n: number) => Math.round(n * 100) / 100;
export const r3 = (n: number) => Math.round(n * 1000) / 1000;

/** The q-quantile of `values` (linear interpolation); NaN for none. */
export function quantile(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (pos - lo);
}

/** Resident memory of a live process, MB (VmRSS). */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

const CLK_TCK = 100;

/** utime + stime of a process (all its threads), seconds; undefined once it is gone. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/**
 * The host-mode LocalStack process(es) the bench measures: the one this checkout started (by its pid file),
 * else every LocalStack found by command line (read only). Other checkouts may run their own on other
 * ports; counting theirs would bill their work to ours.
 */
function localStackPids(): number[] {
  const ours = launchedPid();
  if (ours) return [ours];
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (isLocalStackCmdline(readFileSync(`/proc/${entry}/cmdline`, "utf8"))) pids.push(Number(entry));
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

export interface CpuWindow {
  /** Cores LocalStack kept busy on average. */
  localstack_cores: number;
  /** Cores busy on the whole machine (incl. other engineers' work). */
  machine_busy_cores: number;
}

export function cpuSnapshot() {
  return { t: performance.now(), ls: localStackCpu(), machine: machineCpu() };
}

export function cpuWindow(a: ReturnType<typeof cpuSnapshot>, b: ReturnType<typeof cpuSnapshot>): CpuWindow {
  const seconds = (b.t - a.t) / 1000;
  return {
    localstack_cores: r2((b.ls - a.ls) / seconds),
    machine_busy_cores: r2((b.machine.busy - a.machine.busy) / seconds),
  };
}
