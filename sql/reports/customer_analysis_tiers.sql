-- customer_analysis segmentation: one row per tier (Enterprise, Premium, Standard order).
-- Binds: from, to, tier_filter, tiers.
WITH per_customer AS (
  SELECT
    c.customer_id,
    c.tier,
    COALESCE(SUM(CASE WHEN s.order_date <= CAST(:to AS DATE) THEN s.revenue END), 0) AS lifetime_value,
    COALESCE(SUM(CASE WHEN s.order_date BETWEEN CAST(:from AS DATE) AND CAST(:to AS DATE) THEN s.revenue END), 0) AS period_revenue
  FROM reporting.customers c
  -- the bound on the join (not only in the CASEs) lets the date reach the scans: nothing after :to is read
  LEFT JOIN reporting.sales_lines s ON s.customer_id = c.customer_id AND s.order_date <= CAST(:to AS DATE)
  WHERE CAST(:tier_filter AS INTEGER) = 0 OR c.tier IN (:tiers)
  GROUP BY c.customer_id, c.tier
)
SELECT
  tier,
  CAST(COUNT(*) AS INTEGER) AS customers,
  CAST(COUNT(CASE WHEN period_revenue > 0 THEN 1 END) AS INTEGER) AS active_customers,
  CAST(ROUND(SUM(period_revenue), 2) AS DECIMAL(38, 2)) AS revenue,
  CAST(ROUND(AVG(CAST(lifetime_value AS DOUBLE)), 2) AS DECIMAL(38, 2)) AS avg_lifetime_value,
  CAST(ROUND(CAST(SUM(period_revenue) AS DOUBLE) * 100
    / NULLIF(CAST(SUM(SUM(period_revenue)) OVER () AS DOUBLE), 0), 2) AS DOUBLE) AS revenue_share_pct
FROM per_customer
GROUP BY tier
ORDER BY CASE tier WHEN 'Enterprise' THEN 1 WHEN 'Premium' THEN 2 WHEN 'Standard' THEN 3 ELSE 4 END, tier;
