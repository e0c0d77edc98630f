-- processed: raw rows cleaned for analysis, materialised. A key loaded more than once keeps its newest
-- version only (QUALIFY is supported by both Snowflake and DuckDB); rows without a key are dropped. Defects
-- stay visible in raw, where the data_quality report counts them.
--
-- Why tables, not views: the de-duplicating window (ROW_NUMBER() OVER (PARTITION BY key)) sits between a
-- report's date filter and the raw table, and no engine may push `order_date BETWEEN …` below it (a newer
-- version of an order may move its date), so as views every report scanned and sorted every raw table
-- whatever its range. Materialised and clustered by date, the filter reaches the table scan and prunes.
--
-- On Snowflake these are dynamic tables that Snowflake keeps within TARGET_LAG of raw (refreshed on
-- reports_wh, incrementally where it can). On DuckDB the adapter runs each statement as
-- CREATE OR REPLACE TABLE … AS SELECT … ORDER BY <the CLUSTER BY columns> (services/warehouse/duckdb-dialect.ts),
-- when the sample data is loaded and whenever DuckDbWarehouse.refreshProcessed() is called; sorting by the
-- clustering key gives DuckDB's per-row-group min/max zone maps the same pruning Snowflake's micro-partition
-- pruning gets from CLUSTER BY. Keep every statement of this file in this one shape:
--   CREATE OR REPLACE DYNAMIC TABLE processed.<name> TARGET_LAG = '…' WAREHOUSE = reports_wh
--   [CLUSTER BY (<columns>)] AS SELECT …;
CREATE OR REPLACE DYNAMIC TABLE processed.customers
  TARGET_LAG = '15 minutes'
  WAREHOUSE = reports_wh
AS
SELECT customer_id, customer_name, email, tier, region, signup_date, loaded_at
FROM raw.customers
WHERE customer_id IS NOT NULL
QUALIFY ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY loaded_at DESC, customer_name) = 1;

CREATE OR REPLACE DYNAMIC TABLE processed.products
  TARGET_LAG = '15 minutes'
  WAREHOUSE = reports_wh
AS
SELECT product_id, product_name, category, unit_cost, unit_price, loaded_at
FROM raw.products
WHERE product_id IS NOT NULL
QUALIFY ROW_NUMBER() OVER (PARTITION BY product_id ORDER BY loaded_at DESC, product_name) = 1;

CREATE OR REPLACE DYNAMIC TABLE processed.orders
  TARGET_LAG = '15 minutes'
  WAREHOUSE = reports_wh
  CLUSTER BY (order_date)
AS
SELECT order_id, customer_id, order_date, status, loaded_at
FROM raw.orders
WHERE order_id IS NOT NULL
QUALIFY ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY loaded_at DESC, status) = 1;

-- Each line carries its order's date (from processed.orders; NULL when the order is unknown), so the lines,
-- the largest table, are clustered and pruned by date as well, not only their orders.
CREATE OR REPLACE DYNAMIC TABLE processed.order_lines
  TARGET_LAG = '15 minutes'
  WAREHOUSE = reports_wh
  CLUSTER BY (order_date)
AS
SELECT l.order_line_id, l.order_id, o.order_date, l.product_id, l.quantity, l.unit_price, l.loaded_at
FROM (
  SELECT order_line_id, order_id, product_id, quantity, unit_price, loaded_at
  FROM raw.order_lines
  WHERE order_line_id IS NOT NULL
  QUALIFY ROW_NUMBER() OVER (PARTITION BY order_line_id ORDER BY loaded_at DESC, product_id) = 1
) l
LEFT JOIN processed.orders o ON o.order_id = l.order_id;
