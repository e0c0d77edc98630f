/**
 * The reference workflow: the six jobs of the original system's run report, one per report type.
 *
 * Their `requestedAt` is fixed (the original run's timestamp), so the jobs are the same jobs every time
 * `npm start` runs: on a LocalStack that still holds the previous run, the pipeline recognises them
 * (idempotent reuse: no report is generated twice, the S3 tree is unchanged) and the run reports them as
 * done; on a fresh LocalStack they run from scratch. Either way the output is the same.
 */
import type { ReportJobDraft } from "#events/submit-report-job.js";

export const REFERENCE_REQUESTED_AT = "2025-08-03T15:46:08.858Z";

export const REFERENCE_WORKFLOW: ReportJobDraft[] = [
  { jobId: "WORKFLOW_CONNECTIVITY_TEST", reportType: "connectivity_test", parameters: {} },
  { jobId: "WORKFLOW_SALES_001", reportType: "sales", parameters: { from: "2025-07-01", to: "2025-07-31" } },
  {
    jobId: "WORKFLOW_CUSTOMER_001",
    reportType: "customer_analysis",
    parameters: { from: "2025-01-01", to: "2025-07-31" },
  },
  {
    jobId: "WORKFLOW_PRODUCT_001",
    reportType: "product_performance",
    parameters: { from: "2025-07-01", to: "2025-07-31" },
  },
  {
    jobId: "WORKFLOW_EXEC_001",
    reportType: "executive_dashboard",
    parameters: { from: "2025-01-01", to: "2025-07-31", granularity: "month" },
  },
  { jobId: "WORKFLOW_DQ_001", reportType: "data_quality", parameters: {} },
].map((job) => ({ ...job, requestedAt: REFERENCE_REQUESTED_AT, requestedBy: "npm-start" }) as ReportJobDraft);
