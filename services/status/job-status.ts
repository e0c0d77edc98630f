/**
 * `getJobStatus`: what the audit trail knows about a job, for `reports status <jobId>` and the worker's
 * `GET /jobs/:id`, through the AuditTrail port. One paginated listing of `audit/jobs/<jobId>/` (the layout makes a job's trail one
 * prefix), then its records (a job has a handful), folded by {@link foldJobStatus}.
 *
 * @example
 * ```ts
 * const status = await getJobStatus(new S3AuditTrail(clients.s3, bucket), "WORKFLOW_SALES_001");
 * if (!status) return notFound(); // no event of the job was audited (yet)
 * console.log(status.state, status.finalKey ?? status.error?.code);
 * ```
 */
import { ValidationError } from "#events/errors.js";
import { JobIdSchema } from "#events/report-job.schema.js";
import { auditJobPrefix } from "#events/s3-layout.js";
import { mapLimited } from "#services/shared/map-limited.js";
import { listAuditKeys, readAuditRecord } from "./audit-trail.js";
import type { AuditTrail } from "./audit-trail.port.js";
import { foldJobStatus, type JobStatus } from "./status-fold.js";

export type { AuditedEvent, JobState, JobStatus } from "./status-fold.js";
export { foldJobStatus, JOB_STATES } from "./status-fold.js";

/** More audit objects than this under one job is not a job: refuse instead of reading without bound. */
export const MAX_EVENTS_PER_JOB = 1000;

/** Validates a jobId before it becomes part of an S3 key; the error names `jobId`. */
export function assertJobId(jobId: unknown): string {
  const parsed = JobIdSchema.safeParse(jobId);
  if (!parsed.success) {
    throw new ValidationError(`jobId: ${parsed.error.issues[0]?.message ?? "is invalid"}`, {
      fields: ["jobId"],
      cause: parsed.error,
    });
  }
  return parsed.data;
}

/** The job's status from the audit trail; undefined when no event of the job has been audited. */
export async function getJobStatus(trail: AuditTrail, jobId: string): Promise<JobStatus | undefined> {
  const id = assertJobId(jobId);
  const keys = await listAuditKeys(trail, auditJobPrefix(id), { maxKeys: MAX_EVENTS_PER_JOB });
  if (keys.length === 0) return undefined;
  const events = await mapLimited(keys, 8, (k) => readAuditRecord(trail, k.key));
  return foldJobStatus(id, events);
}
