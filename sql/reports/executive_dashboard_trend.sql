-- executive_dashboard KPI trend: one row per period (granularity day | week | month) in [:from, :to].
-- Binds: granularity, from, to.
SELECT
  CAST(period_start AS VARCHAR) AS period,
  CAST(ROUND(SUM(revenue), 2) AS DECIMAL(38, 2)) AS revenue,
  CAST(ROUND(SUM(margin), 2) AS DECIMAL(38, 2)) AS margin,
  CAST(COUNT(DISTINCT order_id) AS INTEGER) AS orders,
  CAST(COUNT(DISTINCT customer_id) AS INTEGER) AS active_customers,
  CAST(ROUND(CAST(SUM(revenue) AS DOUBLE) / COUNT(DISTINCT order_id), 2) AS DECIMAL(38, 2)) AS avg_order_value
FROM (
  SELECT
    CASE CAST(:granularity AS VARCHAR)
      WHEN 'day' THEN order_date
      WHEN 'week' THEN order_week
      ELSE order_month
    END AS period_start,
    order_id, customer_id, revenue, margin
  FROM reporting.sales_lines
  WHERE order_date BETWEEN CAST(:from AS DATE) AND CAST(:to AS DATE)
) lines
GROUP BY period_start
ORDER BY period_start;
