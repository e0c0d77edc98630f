-- customer_analysis per customer: the :limit customers with the highest lifetime value (ties: customer_id).
-- Binds: from, to, tier_filter, tiers, limit.
SELECT customer_id, customer_name, tier, region, orders, revenue, lifetime_value, first_order_date, last_order_date
FROM (
  SELECT
    c.customer_id,
    c.customer_name,
    c.tier,
    c.region,
    CAST(COUNT(DISTINCT CASE WHEN s.order_date BETWEEN CAST(:from AS DATE) AND CAST(:to AS DATE) THEN s.order_id END) AS INTEGER) AS orders,
    CAST(ROUND(COALESCE(SUM(CASE WHEN s.order_date BETWEEN CAST(:from AS DATE) AND CAST(:to AS DATE) THEN s.revenue END), 0), 2) AS DECIMAL(38, 2)) AS revenue,
    CAST(ROUND(COALESCE(SUM(CASE WHEN s.order_date <= CAST(:to AS DATE) THEN s.revenue END), 0), 2) AS DECIMAL(38, 2)) AS lifetime_value,
    CAST(MIN(CASE WHEN s.order_date <= CAST(:to AS DATE) THEN s.order_date END) AS VARCHAR) AS first_order_date,
    CAST(MAX(CASE WHEN s.order_date <= CAST(:to AS DATE) THEN s.order_date END) AS VARCHAR) AS last_order_date,
    ROW_NUMBER() OVER (
      ORDER BY COALESCE(SUM(CASE WHEN s.order_date <= CAST(:to AS DATE) THEN s.revenue END), 0) DESC, c.customer_id
    ) AS rn
  FROM reporting.customers c
  -- the bound on the join (not only in the CASEs) lets the date reach the scans: nothing after :to is read
  LEFT JOIN reporting.sales_lines s ON s.customer_id = c.customer_id AND s.order_date <= CAST(:to AS DATE)
  WHERE CAST(:tier_filter AS INTEGER) = 0 OR c.tier IN (:tiers)
  GROUP BY c.customer_id, c.customer_name, c.tier, c.region
) ranked
WHERE rn <= CAST(:limit AS INTEGER)
ORDER BY rn;
