/** `sales`: revenue, orders, units, margin and customers per day/week/month, with region/category filters. */
import { SalesParametersSchema } from "#events/report-job.schema.js";
import { listFilter, num, type ReportDefinition } from "./report-definition.js";

export const salesReport: ReportDefinition<"sales"> = {
  type: "sales",
  title: "Sales Report",
  parameters: SalesParametersSchema,
  async plan(p, q) {
    const regions = listFilter(p.regions);
    const categories = listFilter(p.categories);
    const filters = {
      from: p.from,
      to: p.to,
      region_filter: regions.on,
      regions: regions.values,
      category_filter: categories.on,
      categories: categories.values,
    };
    const s = await q.one("sales_summary", filters);
    return {
      summary: {
        total_revenue: num(s.total_revenue),
        total_orders: num(s.total_orders),
        total_units: num(s.total_units),
        unique_customers: num(s.unique_customers),
        avg_order_value: num(s.avg_order_value),
        total_margin: num(s.total_margin),
        margin_pct: num(s.margin_pct),
        period: { from: p.from, to: p.to, granularity: p.granularity },
      },
      sections: [
        {
          name: "sales_by_period",
          file: "sales",
          binds: { ...filters, granularity: p.granularity, limit: p.limit },
          stream: true,
        },
      ],
      data: "rows",
    };
  },
};
