/** `executive_dashboard`: headline KPIs with growth against the previous period, trend and breakdowns. */
import { ExecutiveDashboardParametersSchema } from "#events/report-job.schema.js";
import { num, type ReportDefinition } from "./report-definition.js";

const DAY_MS = 86_400_000;

/** The equally long period ending the day before `from`. */
export function previousPeriod(from: string, to: string): { prev_from: string; prev_to: string } {
  const start = Date.parse(`${from}T00:00:00Z`);
  const days = Math.round((Date.parse(`${to}T00:00:00Z`) - start) / DAY_MS) + 1;
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return { prev_from: iso(start - days * DAY_MS), prev_to: iso(start - DAY_MS) };
}

export const executiveDashboardReport: ReportDefinition<"executive_dashboard"> = {
  type: "executive_dashboard",
  title: "Executive Dashboard",
  parameters: ExecutiveDashboardParametersSchema,
  async plan(p, q) {
    const range = { from: p.from, to: p.to };
    const previous = previousPeriod(p.from, p.to);
    const [s, regions, tiers, categories] = await Promise.all([
      q.one("executive_dashboard_summary", { ...range, ...previous }),
      q.all("executive_dashboard_regions", range),
      q.all("executive_dashboard_tiers", range),
      q.all("executive_dashboard_categories", range),
    ]);
    return {
      summary: {
        total_revenue: num(s.total_revenue),
        previous_revenue: num(s.previous_revenue),
        revenue_growth_pct: num(s.revenue_growth_pct),
        total_orders: num(s.total_orders),
        total_units: num(s.total_units),
        active_customers: num(s.active_customers),
        avg_order_value: num(s.avg_order_value),
        gross_margin: num(s.gross_margin),
        gross_margin_pct: num(s.gross_margin_pct),
        previous_period: { from: previous.prev_from, to: previous.prev_to },
      },
      sections: [
        {
          name: "kpi_trend",
          file: "executive_dashboard_trend",
          binds: { ...range, granularity: p.granularity },
          stream: true,
        },
        { name: "revenue_by_region", rows: regions },
        { name: "revenue_by_tier", rows: tiers },
        { name: "revenue_by_category", rows: categories },
      ],
      data: "sections",
    };
  },
};
