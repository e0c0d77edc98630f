-- raw: data as landed from the source systems. Keys are documented, not declared: Snowflake does not
-- enforce PRIMARY KEY / FOREIGN KEY, DuckDB would, and the data_quality report exists precisely to find the
-- duplicate and orphaned keys that an unenforced warehouse lets through. Types are the common subset of
-- Snowflake and DuckDB (INTEGER, VARCHAR(n), DECIMAL(p,s), DATE, TIMESTAMP = TIMESTAMP_NTZ on Snowflake).

-- key: customer_id
CREATE TABLE IF NOT EXISTS raw.customers (
  customer_id   INTEGER,
  customer_name VARCHAR(200),
  email         VARCHAR(320),
  tier          VARCHAR(20),   -- Enterprise | Premium | Standard
  region        VARCHAR(50),
  signup_date   DATE,
  loaded_at     TIMESTAMP      -- when the row landed (UTC); the freshness checks read it
);

-- key: product_id
CREATE TABLE IF NOT EXISTS raw.products (
  product_id   INTEGER,
  product_name VARCHAR(200),
  category     VARCHAR(50),
  unit_cost    DECIMAL(12, 2),
  unit_price   DECIMAL(12, 2), -- list price
  loaded_at    TIMESTAMP
);

-- key: order_id; customer_id -> raw.customers
CREATE TABLE IF NOT EXISTS raw.orders (
  order_id    INTEGER,
  customer_id INTEGER,
  order_date  DATE,
  status      VARCHAR(20),     -- completed | pending | cancelled; only completed orders count as sales
  loaded_at   TIMESTAMP
);

-- key: order_line_id; order_id -> raw.orders; product_id -> raw.products
CREATE TABLE IF NOT EXISTS raw.order_lines (
  order_line_id INTEGER,
  order_id      INTEGER,
  product_id    INTEGER,
  quantity      INTEGER,
  unit_price    DECIMAL(12, 2), -- price actually charged (after discount)
  loaded_at     TIMESTAMP
);
