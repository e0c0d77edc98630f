-- reporting: what the report queries read (sql/reports/*.sql). Only completed orders are sales; an order
-- line whose order, customer or product is unknown is not a sale either (data_quality reports those).
CREATE OR REPLACE VIEW reporting.customers AS
SELECT customer_id, customer_name, tier, region, signup_date
FROM processed.customers;

CREATE OR REPLACE VIEW reporting.products AS
SELECT product_id, product_name, category, unit_cost, unit_price
FROM processed.products;

CREATE OR REPLACE VIEW reporting.sales_lines AS
SELECT
  l.order_line_id,
  o.order_id,
  l.order_date,
  -- week starts on Monday on both engines (DuckDB: ISO; Snowflake: WEEK_START = 0, the default).
  -- date_trunc returns TIMESTAMP on DuckDB and DATE on Snowflake for a DATE input: the CAST makes it DATE.
  CAST(date_trunc('week', l.order_date) AS DATE) AS order_week,
  CAST(date_trunc('month', l.order_date) AS DATE) AS order_month,
  c.customer_id,
  c.customer_name,
  c.tier,
  c.region,
  p.product_id,
  p.product_name,
  p.category,
  l.quantity,
  l.unit_price,
  -- money is exact DECIMAL(38, 2) from here on: INTEGER * DECIMAL(12, 2) is DECIMAL(18, 2) on DuckDB, which
  -- overflows at 10^16 (Snowflake widens by itself); widened first, both engines compute the same exact value
  CAST(l.unit_price AS DECIMAL(38, 2)) * l.quantity AS revenue,
  CAST(p.unit_cost AS DECIMAL(38, 2)) * l.quantity AS cost,
  CAST(l.unit_price AS DECIMAL(38, 2)) * l.quantity - CAST(p.unit_cost AS DECIMAL(38, 2)) * l.quantity AS margin
FROM processed.order_lines l
-- joined on the date as well (a line carries its order's date): a filter on order_date then reaches the scans
-- of both tables, each clustered by it (see 03_processed_tables.sql)
JOIN processed.orders o ON o.order_id = l.order_id AND o.order_date = l.order_date
JOIN processed.customers c ON c.customer_id = o.customer_id
JOIN processed.products p ON p.product_id = l.product_id
WHERE o.status = 'completed';
