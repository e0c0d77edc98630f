-- customer_analysis summary over the customers of the selected tiers (all tiers when tier_filter = 0).
-- lifetime value = revenue of all completed orders up to and including :to (customers without orders: 0);
-- total_revenue = revenue between :from and :to.
-- Binds: from, to, tier_filter, tiers.
WITH selected AS (
  SELECT customer_id
  FROM reporting.customers
  WHERE CAST(:tier_filter AS INTEGER) = 0 OR tier IN (:tiers)
),
per_customer AS (
  SELECT
    c.customer_id,
    COALESCE(SUM(CASE WHEN s.order_date <= CAST(:to AS DATE) THEN s.revenue END), 0) AS lifetime_value,
    COALESCE(SUM(CASE WHEN s.order_date BETWEEN CAST(:from AS DATE) AND CAST(:to AS DATE) THEN s.revenue END), 0) AS period_revenue
  FROM selected c
  -- the bound on the join (not only in the CASEs) lets the date reach the scans: nothing after :to is read
  LEFT JOIN reporting.sales_lines s ON s.customer_id = c.customer_id AND s.order_date <= CAST(:to AS DATE)
  GROUP BY c.customer_id
)
SELECT
  CAST(COUNT(*) AS INTEGER) AS total_customers,
  CAST(COUNT(CASE WHEN period_revenue > 0 THEN 1 END) AS INTEGER) AS active_customers,
  CAST(ROUND(COALESCE(AVG(CAST(lifetime_value AS DOUBLE)), 0), 2) AS DECIMAL(38, 2)) AS avg_lifetime_value,
  CAST(ROUND(COALESCE(SUM(period_revenue), 0), 2) AS DECIMAL(38, 2)) AS total_revenue
FROM per_customer;
