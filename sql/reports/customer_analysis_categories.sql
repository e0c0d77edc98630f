-- customer_analysis revenue by product category and customer tier between :from and :to.
-- Binds: from, to, tier_filter, tiers.
SELECT
  tier,
  category,
  CAST(COUNT(DISTINCT customer_id) AS INTEGER) AS customers,
  CAST(SUM(quantity) AS INTEGER) AS units,
  CAST(ROUND(SUM(revenue), 2) AS DECIMAL(38, 2)) AS revenue
FROM reporting.sales_lines
WHERE order_date BETWEEN CAST(:from AS DATE) AND CAST(:to AS DATE)
  AND (CAST(:tier_filter AS INTEGER) = 0 OR tier IN (:tiers))
GROUP BY tier, category
ORDER BY CASE tier WHEN 'Enterprise' THEN 1 WHEN 'Premium' THEN 2 WHEN 'Standard' THEN 3 ELSE 4 END, tier, revenue DESC, category;
