-- sales: one row per period (granularity day | week | month) between :from and :to, completed orders only,
-- optionally restricted to regions and categories. At most :limit periods, oldest first.
-- Binds (named here, rendered to positional `?` by services/reports/sql-template.ts; a list bind expands
-- to `?, ?, …`): granularity, from, to, region_filter (0|1), regions, category_filter (0|1), categories, limit.
SELECT period, orders, units, revenue, cost, margin, margin_pct, unique_customers, avg_order_value
FROM (
  SELECT
    CAST(period_start AS VARCHAR) AS period,
    CAST(COUNT(DISTINCT order_id) AS INTEGER) AS orders,
    CAST(SUM(quantity) AS INTEGER) AS units,
    CAST(ROUND(SUM(revenue), 2) AS DECIMAL(38, 2)) AS revenue,
    CAST(ROUND(SUM(cost), 2) AS DECIMAL(38, 2)) AS cost,
    CAST(ROUND(SUM(margin), 2) AS DECIMAL(38, 2)) AS margin,
    CAST(ROUND(CAST(SUM(margin) AS DOUBLE) * 100 / NULLIF(CAST(SUM(revenue) AS DOUBLE), 0), 2) AS DOUBLE) AS margin_pct,
    CAST(COUNT(DISTINCT customer_id) AS INTEGER) AS unique_customers,
    CAST(ROUND(CAST(SUM(revenue) AS DOUBLE) / COUNT(DISTINCT order_id), 2) AS DECIMAL(38, 2)) AS avg_order_value,
    ROW_NUMBER() OVER (ORDER BY period_start) AS rn
  FROM (
    SELECT
      CASE CAST(:granularity AS VARCHAR)
        WHEN 'day' THEN order_date
        WHEN 'week' THEN order_week
        ELSE order_month
      END AS period_start,
      order_id, customer_id, quantity, revenue, cost, margin
    FROM reporting.sales_lines
    WHERE order_date BETWEEN CAST(:from AS DATE) AND CAST(:to AS DATE)
      AND (CAST(:region_filter AS INTEGER) = 0 OR region IN (:regions))
      AND (CAST(:category_filter AS INTEGER) = 0 OR category IN (:categories))
  ) lines
  GROUP BY period_start
) periods
WHERE rn <= CAST(:limit AS INTEGER)
ORDER BY period;
