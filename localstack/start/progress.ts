/**
 * What `npm start` prints: per-job progress (redrawn in place on a terminal, one plain line per change
 * otherwise), the summary table and the S3 tree. Pure functions of their inputs, so tests can check them.
 */
import type { JobState } from "#services/status/job-status.js";

export type DisplayState = "queued" | JobState;

export interface JobProgress {
  jobId: string;
  reportType: string;
  state: DisplayState;
  /** Seconds from submission to the current state. */
  seconds: number;
  rows?: number;
  bytes?: number;
  error?: string;
  /** Already finished by an earlier run (same job, recognised by the pipeline): nothing was redone. */
  reused?: boolean;
}

export const PIPELINE_STEPS: readonly DisplayState[] = [
  "queued",
  "running",
  "generated",
  "organized",
  "notified",
];

export function isTerminal(state: DisplayState): boolean {
  return state === "notified" || state === "failed" || state === "rejected";
}

export function isSuccess(state: DisplayState): boolean {
  return state === "notified";
}

function bar(state: DisplayState): string {
  if (state === "failed" || state === "rejected") return `✗ ${state}`;
  const i = PIPELINE_STEPS.indexOf(state);
  return PIPELINE_STEPS.map((s, j) => (j <= i ? s : "·".repeat(s.length))).join(" → ");
}

/** The progress block for a terminal (one line per job). */
export function progressLines(jobs: readonly JobProgress[], elapsedSeconds: number): string[] {
  const width = Math.max(...jobs.map((j) => j.jobId.length));
  return [
    `reference workflow: ${jobs.filter((j) => isTerminal(j.state)).length}/${jobs.length} done, ${elapsedSeconds.toFixed(1)} s`,
    ...jobs.map((j) => `  ${j.jobId.padEnd(width)}  ${bar(j.state)}`),
  ];
}

/** One plain line for a state change (non-TTY output). */
export function changeLine(job: JobProgress): string {
  const extra = job.error
    ? ` (${job.error})`
    : job.reused
      ? " (done by an earlier run; reused, not redone)"
      : "";
  return `[${job.seconds.toFixed(1).padStart(5)} s] ${job.jobId} ${job.reportType}: ${job.state}${extra}`;
}

function table(header: string[], rows: string[][], rightAligned: Set<number>): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const fmt = (r: string[]) =>
    r.map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join("  ");
  return [fmt(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(fmt)];
}

export function summaryLines(jobs: readonly JobProgress[]): string[] {
  return table(
    ["JOB", "TYPE", "OUTCOME", "ROWS", "BYTES", "SECONDS"],
    jobs.map((j) => [
      j.jobId,
      j.reportType,
      isSuccess(j.state) ? (j.reused ? "succeeded (reused)" : "succeeded") : j.state,
      j.rows === undefined ? "-" : String(j.rows),
      j.bytes === undefined ? "-" : String(j.bytes),
      j.seconds.toFixed(2),
    ]),
    new Set([3, 4, 5]),
  );
}

/** `reports/` as a tree: category folders with their report files and sizes. */
export function treeLines(objects: readonly { key: string; size: number }[], root = "reports/"): string[] {
  const byFolder = new Map<string, { name: string; size: number }[]>();
  for (const o of objects) {
    if (!o.key.startsWith(root)) continue;
    const rest = o.key.slice(root.length);
    const slash = rest.indexOf("/");
    if (slash < 0) continue;
    const folder = rest.slice(0, slash);
    const name = rest.slice(slash + 1);
    // Bookkeeping documents are not reports: the index and the latest pointers are mentioned below the tree.
    if (folder.startsWith("_") || name === "latest.json") continue;
    if (!byFolder.has(folder)) byFolder.set(folder, []);
    byFolder.get(folder)?.push({ name, size: o.size });
  }
  const folders = [...byFolder.keys()].sort();
  const lines = [root];
  folders.forEach((folder, i) => {
    const lastFolder = i === folders.length - 1;
    lines.push(`${lastFolder ? "└──" : "├──"} ${folder}/`);
    const files = (byFolder.get(folder) ?? []).sort((a, b) => a.name.localeCompare(b.name));
    files.forEach((f, j) => {
      const branch = j === files.length - 1 ? "└──" : "├──";
      lines.push(`${lastFolder ? "    " : "│   "}${branch} ${f.name} (${f.size} bytes)`);
    });
  });
  lines.push(`(plus ${root}<category>/latest.json pointers and the daily index ${root}_index/<date>.json)`);
  return lines;
}
