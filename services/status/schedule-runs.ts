/**
 * A schedule's last runs, from the audit trail: its jobs are the ids `sched-<name>-<32 hex>` (the
 * schedule's derived job ids), found by that prefix under `audit/jobs/`, each folded into its status.
 */
import { AUDIT_PREFIX } from "#events/s3-layout.js";
import { scheduleJobIdPrefix } from "#events/schedule.schema.js";
import { mapLimited } from "#services/shared/map-limited.js";
import type { AuditTrail } from "./audit-trail.port.js";
import { getJobStatus, type JobStatus } from "./job-status.js";

/** How many run ids one lookup reads at most (a schedule that ran more often shows its newest by key). */
export const MAX_RUN_IDS = 10_000;

/** The ids of the schedule's jobs the audit trail holds (a longer name sharing the prefix is left out). */
export async function scheduleRunIds(trail: AuditTrail, name: string): Promise<string[]> {
  const idPrefix = scheduleJobIdPrefix(name);
  const own = new RegExp(`^${AUDIT_PREFIX}jobs/(${idPrefix.replace(/[-]/g, "\\-")}[0-9a-f]{32})/`);
  const ids = new Set<string>();
  for await (const key of trail.keys(`${AUDIT_PREFIX}jobs/${idPrefix}`)) {
    const m = own.exec(key);
    if (m?.[1]) ids.add(m[1]);
    if (ids.size >= MAX_RUN_IDS) break;
  }
  return [...ids];
}

/** When a run happened, for ordering: its first start, else any timestamp it has. */
const whenOf = (s: JobStatus) => s.timestamps.started ?? Object.values(s.timestamps).find(Boolean) ?? "";

/** The schedule's runs, newest first, at most `limit`, and how many there are in all. */
export async function lastScheduleRuns(
  trail: AuditTrail,
  name: string,
  limit: number,
): Promise<{ total: number; runs: JobStatus[] }> {
  const ids = await scheduleRunIds(trail, name);
  const statuses = (await mapLimited(ids, 8, (id) => getJobStatus(trail, id))).filter(
    (s): s is JobStatus => s !== undefined,
  );
  statuses.sort((a, b) => whenOf(b).localeCompare(whenOf(a)));
  return { total: statuses.length, runs: statuses.slice(0, limit) };
}
