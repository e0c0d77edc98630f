/** `customer_analysis`: segmentation by tier, lifetime value per customer, revenue by category and tier. */
import { CustomerAnalysisParametersSchema } from "#events/report-job.schema.js";
import { listFilter, num, type ReportDefinition } from "./report-definition.js";

export const customerAnalysisReport: ReportDefinition<"customer_analysis"> = {
  type: "customer_analysis",
  title: "Customer Analysis Report",
  parameters: CustomerAnalysisParametersSchema,
  async plan(p, q) {
    const tiers = listFilter(p.tiers);
    const binds = { from: p.from, to: p.to, tier_filter: tiers.on, tiers: tiers.values };
    const [s, segments, categories] = await Promise.all([
      q.one("customer_analysis_summary", binds),
      q.all("customer_analysis_tiers", binds),
      q.all("customer_analysis_categories", binds),
    ]);
    return {
      summary: {
        total_customers: num(s.total_customers),
        active_customers: num(s.active_customers),
        avg_lifetime_value: num(s.avg_lifetime_value),
        total_revenue: num(s.total_revenue),
      },
      sections: [
        {
          name: "customers",
          file: "customer_analysis_customers",
          binds: { ...binds, limit: p.limit },
          stream: true,
        },
        { name: "segmentation_by_tier", rows: segments },
        { name: "revenue_by_category", rows: categories },
      ],
      data: "sections",
    };
  },
};
