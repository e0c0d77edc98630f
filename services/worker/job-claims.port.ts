/**
 * The worker's claims on job ids (port; S3 adapter: s3-job-claims.ts). The first receive of a job writes
 * its claim — jobId, content hash — with one conditional write, first writer wins; every later receive
 * finds it and compares hashes: the same job (a redelivery, a retry, the same message sent again) or a
 * different job squatting on, or reusing, the id. A claim is written once and never changed: a redelivery of
 * a finished job finds the report by its deterministic key (HEAD) and re-emits ReportGenerated from the
 * object's metadata, so a new job costs one write here, not two.
 */

export interface JobClaim {
  jobId: string;
  /** jobContentHash of the job that holds the id (events/report-job-message.ts). */
  contentHash: string;
  claimedAt: string;
}

export interface JobClaims {
  /** Claims the id for this job unless a claim exists; then returns that claim as it is. */
  claim(claim: JobClaim): Promise<{ claimed: true } | { claimed: false; existing: JobClaim }>;
}
