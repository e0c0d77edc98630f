-- product_performance ranking: every product of the selected categories ranked by revenue between :from and
-- :to (ties: product_id), with margin, customer reach and sales velocity (units per day of the range).
-- At most :limit products. Binds: from, to, category_filter, categories, limit.
WITH sales AS (
  SELECT
    product_id,
    SUM(quantity) AS units,
    SUM(revenue) AS revenue,
    SUM(cost) AS cost,
    COUNT(DISTINCT customer_id) AS customers,
    COUNT(DISTINCT order_id) AS orders
  FROM reporting.sales_lines
  WHERE order_date BETWEEN CAST(:from AS DATE) AND CAST(:to AS DATE)
  GROUP BY product_id
),
ranked AS (
  SELECT
    p.product_id,
    p.product_name,
    p.category,
    p.unit_price AS list_price,
    COALESCE(s.units, 0) AS units,
    COALESCE(s.revenue, 0) AS revenue,
    COALESCE(s.cost, 0) AS cost,
    COALESCE(s.customers, 0) AS customers,
    COALESCE(s.orders, 0) AS orders,
    ROW_NUMBER() OVER (ORDER BY COALESCE(s.revenue, 0) DESC, p.product_id) AS revenue_rank
  FROM reporting.products p
  LEFT JOIN sales s ON s.product_id = p.product_id
  WHERE CAST(:category_filter AS INTEGER) = 0 OR p.category IN (:categories)
)
SELECT
  CAST(revenue_rank AS INTEGER) AS revenue_rank,
  product_id,
  product_name,
  category,
  CAST(list_price AS DECIMAL(38, 2)) AS list_price,
  CAST(units AS INTEGER) AS units_sold,
  CAST(orders AS INTEGER) AS orders,
  CAST(ROUND(revenue, 2) AS DECIMAL(38, 2)) AS revenue,
  CAST(ROUND(revenue - cost, 2) AS DECIMAL(38, 2)) AS margin,
  CAST(ROUND(CAST(revenue - cost AS DOUBLE) * 100 / NULLIF(CAST(revenue AS DOUBLE), 0), 2) AS DOUBLE) AS margin_pct,
  CAST(customers AS INTEGER) AS customers_reached,
  CAST(ROUND(CAST(units AS DOUBLE) / (DATEDIFF('day', CAST(:from AS DATE), CAST(:to AS DATE)) + 1), 4) AS DOUBLE) AS sales_velocity
FROM ranked
WHERE revenue_rank <= CAST(:limit AS INTEGER)
ORDER BY revenue_rank;
