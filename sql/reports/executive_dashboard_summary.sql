-- executive_dashboard headline KPIs for [:from, :to] and the equally long period just before it
-- [:prev_from, :prev_to], for growth. Binds: from, to, prev_from, prev_to.
WITH current_period AS (
  SELECT
    COALESCE(SUM(revenue), 0) AS revenue,
    COALESCE(SUM(margin), 0) AS margin,
    COUNT(DISTINCT order_id) AS orders,
    COUNT(DISTINCT customer_id) AS customers,
    COALESCE(SUM(quantity), 0) AS units
  FROM reporting.sales_lines
  WHERE order_date BETWEEN CAST(:from AS DATE) AND CAST(:to AS DATE)
),
previous_period AS (
  SELECT COALESCE(SUM(revenue), 0) AS revenue
  FROM reporting.sales_lines
  WHERE order_date BETWEEN CAST(:prev_from AS DATE) AND CAST(:prev_to AS DATE)
)
SELECT
  CAST(ROUND(c.revenue, 2) AS DECIMAL(38, 2)) AS total_revenue,
  CAST(ROUND(p.revenue, 2) AS DECIMAL(38, 2)) AS previous_revenue,
  CAST(ROUND(CAST(c.revenue - p.revenue AS DOUBLE) * 100 / NULLIF(CAST(p.revenue AS DOUBLE), 0), 2) AS DOUBLE) AS revenue_growth_pct,
  CAST(c.orders AS INTEGER) AS total_orders,
  CAST(c.units AS INTEGER) AS total_units,
  CAST(c.customers AS INTEGER) AS active_customers,
  CAST(ROUND(CAST(c.revenue AS DOUBLE) / NULLIF(c.orders, 0), 2) AS DECIMAL(38, 2)) AS avg_order_value,
  CAST(ROUND(c.margin, 2) AS DECIMAL(38, 2)) AS gross_margin,
  CAST(ROUND(CAST(c.margin AS DOUBLE) * 100 / NULLIF(CAST(c.revenue AS DOUBLE), 0), 2) AS DOUBLE) AS gross_margin_pct
FROM current_period c
CROSS JOIN previous_period p;
