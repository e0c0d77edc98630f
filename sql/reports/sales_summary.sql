-- sales summary: totals over the whole range and filters of sales.sql (not limited to :limit periods).
-- Binds: from, to, region_filter, regions, category_filter, categories.
SELECT
  CAST(COUNT(DISTINCT order_id) AS INTEGER) AS total_orders,
  CAST(COALESCE(SUM(quantity), 0) AS INTEGER) AS total_units,
  CAST(ROUND(COALESCE(SUM(revenue), 0), 2) AS DECIMAL(38, 2)) AS total_revenue,
  CAST(ROUND(COALESCE(SUM(margin), 0), 2) AS DECIMAL(38, 2)) AS total_margin,
  CAST(ROUND(CAST(SUM(margin) AS DOUBLE) * 100 / NULLIF(CAST(SUM(revenue) AS DOUBLE), 0), 2) AS DOUBLE) AS margin_pct,
  CAST(COUNT(DISTINCT customer_id) AS INTEGER) AS unique_customers,
  CAST(ROUND(CAST(SUM(revenue) AS DOUBLE) / NULLIF(COUNT(DISTINCT order_id), 0), 2) AS DECIMAL(38, 2)) AS avg_order_value
FROM reporting.sales_lines
WHERE order_date BETWEEN CAST(:from AS DATE) AND CAST(:to AS DATE)
  AND (CAST(:region_filter AS INTEGER) = 0 OR region IN (:regions))
  AND (CAST(:category_filter AS INTEGER) = 0 OR category IN (:categories));
