/**
 * `data_quality`: null, duplicate-key, referential, validity and freshness checks on the raw tables, each
 * with its failed count and pass/fail. Freshness is measured against the report's generation time.
 */
import { DataQualityParametersSchema } from "#events/report-job.schema.js";
import { count, num, type ReportDefinition } from "./report-definition.js";

export const dataQualityReport: ReportDefinition<"data_quality"> = {
  type: "data_quality",
  title: "Data Quality Report",
  parameters: DataQualityParametersSchema,
  async plan(p, q) {
    const now = q.generatedAt.toISOString().slice(0, 19).replace("T", " ");
    const rows = await q.all("data_quality", { now, freshness_hours: p.freshnessHours });
    const checks = rows.map((row) => {
      const failed = count(row.failed_count);
      return {
        check: row.check_name,
        check_type: row.check_type,
        table: row.table_name,
        column: row.column_name,
        status: failed === 0 ? "pass" : "fail",
        failed_count: failed,
        checked_rows: num(row.checked_rows),
        observed_value: num(row.observed_value),
        threshold: num(row.threshold),
      };
    });
    const failed = checks.filter((c) => c.status === "fail");
    return {
      summary: {
        total_checks: checks.length,
        passed_checks: checks.length - failed.length,
        failed_checks: failed.length,
        quality_score:
          checks.length === 0
            ? null
            : Math.round(((checks.length - failed.length) / checks.length) * 10_000) / 100,
        status: failed.length === 0 ? "pass" : "fail",
        failed: failed.map((c) => c.check),
      },
      sections: [{ name: "checks", rows: checks }],
      data: "rows",
    };
  },
};
