-- executive_dashboard revenue by region in [:from, :to], largest first. Binds: from, to.
SELECT
  region,
  CAST(ROUND(SUM(revenue), 2) AS DECIMAL(38, 2)) AS revenue,
  CAST(COUNT(DISTINCT order_id) AS INTEGER) AS orders,
  CAST(COUNT(DISTINCT customer_id) AS INTEGER) AS active_customers
FROM reporting.sales_lines
WHERE order_date BETWEEN CAST(:from AS DATE) AND CAST(:to AS DATE)
GROUP BY region
ORDER BY revenue DESC, region;
