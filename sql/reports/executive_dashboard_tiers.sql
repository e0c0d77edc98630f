-- executive_dashboard revenue by customer tier in [:from, :to]. Binds: from, to.
SELECT
  tier,
  CAST(ROUND(SUM(revenue), 2) AS DECIMAL(38, 2)) AS revenue,
  CAST(COUNT(DISTINCT order_id) AS INTEGER) AS orders,
  CAST(COUNT(DISTINCT customer_id) AS INTEGER) AS active_customers
FROM reporting.sales_lines
WHERE order_date BETWEEN CAST(:from AS DATE) AND CAST(:to AS DATE)
GROUP BY tier
ORDER BY CASE tier WHEN 'Enterprise' THEN 1 WHEN 'Premium' THEN 2 WHEN 'Standard' THEN 3 ELSE 4 END, tier;
