-- product_performance summary over all products of the selected categories (not limited to :limit).
-- avg_margin = mean of the realised margin % of the products that sold in the range.
-- Binds: from, to, category_filter, categories.
WITH sales AS (
  SELECT product_id, SUM(revenue) AS revenue, SUM(cost) AS cost
  FROM reporting.sales_lines
  WHERE order_date BETWEEN CAST(:from AS DATE) AND CAST(:to AS DATE)
  GROUP BY product_id
),
products AS (
  SELECT
    p.product_id,
    p.product_name,
    COALESCE(s.revenue, 0) AS revenue,
    CASE WHEN s.revenue > 0 THEN CAST(s.revenue - s.cost AS DOUBLE) * 100 / CAST(s.revenue AS DOUBLE) END AS margin_pct,
    ROW_NUMBER() OVER (ORDER BY COALESCE(s.revenue, 0) DESC, p.product_id) AS revenue_rank
  FROM reporting.products p
  LEFT JOIN sales s ON s.product_id = p.product_id
  WHERE CAST(:category_filter AS INTEGER) = 0 OR p.category IN (:categories)
)
SELECT
  CAST(COUNT(*) AS INTEGER) AS total_products,
  CAST(COUNT(CASE WHEN revenue > 0 THEN 1 END) AS INTEGER) AS products_sold,
  MAX(CASE WHEN revenue_rank = 1 AND revenue > 0 THEN product_name END) AS top_product,
  CAST(ROUND(COALESCE(SUM(revenue), 0), 2) AS DECIMAL(38, 2)) AS total_revenue,
  CAST(ROUND(AVG(margin_pct), 2) AS DOUBLE) AS avg_margin
FROM products;
