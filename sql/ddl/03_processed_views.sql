-- processed: raw rows cleaned for analysis. A key loaded more than once keeps its newest version only
-- (QUALIFY is supported by both Snowflake and DuckDB); rows without a key are dropped. Defects stay visible
-- in raw, where the data_quality report counts them.
CREATE OR REPLACE VIEW processed.customers AS
SELECT customer_id, customer_name, email, tier, region, signup_date, loaded_at
FROM raw.customers
WHERE customer_id IS NOT NULL
QUALIFY ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY loaded_at DESC, customer_name) = 1;

CREATE OR REPLACE VIEW processed.products AS
SELECT product_id, product_name, category, unit_cost, unit_price, loaded_at
FROM raw.products
WHERE product_id IS NOT NULL
QUALIFY ROW_NUMBER() OVER (PARTITION BY product_id ORDER BY loaded_at DESC, product_name) = 1;

CREATE OR REPLACE VIEW processed.orders AS
SELECT order_id, customer_id, order_date, status, loaded_at
FROM raw.orders
WHERE order_id IS NOT NULL
QUALIFY ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY loaded_at DESC, status) = 1;

CREATE OR REPLACE VIEW processed.order_lines AS
SELECT order_line_id, order_id, product_id, quantity, unit_price, loaded_at
FROM raw.order_lines
WHERE order_line_id IS NOT NULL
QUALIFY ROW_NUMBER() OVER (PARTITION BY order_line_id ORDER BY loaded_at DESC, product_id) = 1;
