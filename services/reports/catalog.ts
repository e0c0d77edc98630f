/** The report catalog: the allowlist of report types and their definitions. */
import type { ReportType } from "#events/report-job.schema.js";
import { connectivityTestReport } from "./connectivity-test-report.js";
import { customerAnalysisReport } from "./customer-analysis-report.js";
import { dataQualityReport } from "./data-quality-report.js";
import { executiveDashboardReport } from "./executive-dashboard-report.js";
import { productPerformanceReport } from "./product-performance-report.js";
import type { ReportDefinition } from "./report-definition.js";
import { salesReport } from "./sales-report.js";

export const REPORT_CATALOG: { readonly [T in ReportType]: ReportDefinition<T> } = {
  sales: salesReport,
  customer_analysis: customerAnalysisReport,
  product_performance: productPerformanceReport,
  executive_dashboard: executiveDashboardReport,
  data_quality: dataQualityReport,
  connectivity_test: connectivityTestReport,
};

export function findReport(type: unknown): ReportDefinition | undefined {
  return typeof type === "string" && Object.hasOwn(REPORT_CATALOG, type)
    ? (REPORT_CATALOG[type as ReportType] as unknown as ReportDefinition)
    : undefined;
}
