/** `product_performance`: revenue ranking, margin, customer reach and sales velocity per product. */
import { ProductPerformanceParametersSchema } from "#events/report-job.schema.js";
import { listFilter, num, type ReportDefinition } from "./report-definition.js";

export const productPerformanceReport: ReportDefinition<"product_performance"> = {
  type: "product_performance",
  title: "Product Performance Report",
  parameters: ProductPerformanceParametersSchema,
  async plan(p, q) {
    const categories = listFilter(p.categories);
    const binds = { from: p.from, to: p.to, category_filter: categories.on, categories: categories.values };
    const s = await q.one("product_performance_summary", binds);
    return {
      summary: {
        total_products: num(s.total_products),
        products_sold: num(s.products_sold),
        top_product: s.top_product ?? null,
        total_revenue: num(s.total_revenue),
        avg_margin: num(s.avg_margin),
      },
      sections: [
        {
          name: "product_ranking",
          file: "product_performance",
          binds: { ...binds, limit: p.limit },
          stream: true,
        },
      ],
      data: "rows",
    };
  },
};
