/**
 * Pure argument checks and human-readable output of `reports status` and `reports replay`. No AWS: unit-
 * tested directly, like job-args.ts.
 */
import { ValidationError } from "#events/errors.js";
import { assertJobId, type JobStatus } from "#services/status/job-status.js";
import { daysOfRange, type ReplaySummary } from "#services/status/replay.js";

/** The jobId argument of `reports status`; the error names `jobId`. */
export function statusJobId(value: string): string {
  return assertJobId(value);
}

/** `--from` / `--to` of `reports replay`: both required, real days, in order, at most 366 days. */
export function replayRange(options: { from?: string; to?: string }): { from: string; to: string } {
  for (const field of ["from", "to"] as const) {
    if (options[field] === undefined) {
      throw new ValidationError(`--${field}: is required (YYYY-MM-DD)`, { fields: [field] });
    }
  }
  const range = { from: options.from as string, to: options.to as string };
  try {
    daysOfRange(range);
  } catch (error) {
    // The domain names the field; the CLI names the flag.
    if (error instanceof ValidationError) {
      throw new ValidationError(`--${error.message}`, { fields: error.fields, cause: error });
    }
    throw error;
  }
  return range;
}

const STATE_NOTE: Record<JobStatus["state"], string> = {
  running: "running",
  generated: "generated (waiting to be organized)",
  organized: "organized (notification pending)",
  notified: "done (organized and notified)",
  failed: "failed",
  rejected: "rejected (the message was not a valid job)",
};

/** `reports status` without --json: a few aligned lines a person reads at a glance. */
export function formatStatus(s: JobStatus): string[] {
  const retrying = s.state === "running" && s.error ? `, retrying after ${s.error.code}` : "";
  const lines: [string, string][] = [
    ["job", s.jobId],
    ["type", s.reportType ?? "-"],
    ["state", `${STATE_NOTE[s.state]}${retrying}`],
    ["attempts", String(s.attempts)],
  ];
  if (s.finalKey) lines.push(["report", s.finalKey]);
  else if (s.generatedKey) lines.push(["generated", s.generatedKey]);
  if (s.error) {
    lines.push([
      s.state === "running" ? "last error" : "error",
      `${s.error.code}${s.error.retryable ? " (retryable)" : ""}: ${s.error.message}`,
    ]);
  }
  if (s.notification) {
    lines.push([
      "notified",
      s.notification.map((c) => `${c.channel} ${c.outcome}${c.detail ? ` (${c.detail})` : ""}`).join(", "),
    ]);
  }
  for (const [name, at] of Object.entries(s.timestamps)) lines.push([`${name} at`, at]);
  lines.push(["events", ""]);
  const width = Math.max(...lines.map(([k]) => k.length));
  return [
    ...lines.map(([k, v]) => `${k.padEnd(width)}  ${v}`.trimEnd()),
    ...s.events.map((e) => `  ${e.time}  ${e.detailType.padEnd(15)}  ${e.eventId}`),
  ];
}

/** `reports replay` without --json. */
export function formatReplay(r: ReplaySummary): string[] {
  const verb = r.dryRun ? "would rewrite" : "rewrote";
  return [
    `replay ${r.from}..${r.to}${r.dryRun ? " (dry run)" : ""}: scanned ${r.daysScanned} day(s) of audit/dt=…/ (the range and the day after it)`,
    `events: ${r.events} ReportOrganized, ${r.entries} index entr${r.entries === 1 ? "y" : "ies"} in range`,
    `documents: ${r.documentsChecked} checked, ${verb} ${r.changed}`,
    ...r.changedKeys.map((k) => `  ${k}`),
    `changed: ${r.changed}`,
  ];
}
