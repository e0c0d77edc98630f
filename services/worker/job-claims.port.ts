/**
 * The worker's claims on job ids (port; S3 adapter: s3-job-claims.ts). The first receive of a job writes
 * its claim — jobId, content hash — with one conditional write, first writer wins; every later receive
 * finds it and compares hashes: the same job (a redelivery, a retry, the same message sent again) or a
 * different job squatting on, or reusing, the id. Once the report is stored and announced, the claim also
 * holds the report's facts, so a redelivery re-emits ReportGenerated from the claim alone.
 */
import type { StoredReportFacts } from "./report-store.port.js";

export interface JobClaim {
  jobId: string;
  /** jobContentHash of the job that holds the id (events/report-job-message.ts). */
  contentHash: string;
  claimedAt: string;
  /** Set when the job is done: the stored report's facts, which ReportGenerated carries. */
  done?: StoredReportFacts;
}

export interface JobClaims {
  /** Claims the id for this job unless a claim exists; then returns that claim as it is. */
  claim(claim: JobClaim): Promise<{ claimed: true } | { claimed: false; existing: JobClaim }>;
  /** Records that the claimed job is done (overwrites its claim with `done` set). */
  markDone(claim: JobClaim): Promise<void>;
}
