-- executive_dashboard revenue and margin by product category in [:from, :to], largest first. Binds: from, to.
SELECT
  category,
  CAST(ROUND(SUM(revenue), 2) AS DECIMAL(38, 2)) AS revenue,
  CAST(ROUND(SUM(margin), 2) AS DECIMAL(38, 2)) AS margin,
  CAST(SUM(quantity) AS INTEGER) AS units
FROM reporting.sales_lines
WHERE order_date BETWEEN CAST(:from AS DATE) AND CAST(:to AS DATE)
GROUP BY category
ORDER BY revenue DESC, category;
