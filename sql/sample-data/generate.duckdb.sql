-- Deterministic sample data, generated inside DuckDB (DuckDB dialect: range(), hash(), list indexing,
-- getvariable()). Not for Snowflake: Snowflake loads the CSV files this produces (see load.snowflake.sql,
-- written by `npm run sample-data`). Run by services/warehouse/sample-data.ts, which sets the variables:
--   sd_seed (integer), sd_customers, sd_products, sd_orders (row counts), sd_loaded_at (TIMESTAMP).
-- Pseudo-randomness: sd_rand(i, salt) = hash of (seed, salt, i) mapped to [0, 1). hash() is deterministic for
-- a given DuckDB version (pinned in package-lock.json), so the same seed and scale give the same rows.
-- Order dates cover 2025-01-01 .. 2025-12-31.

CREATE OR REPLACE TEMP MACRO sd_rand(i, salt) AS
  CAST(hash(CAST(i AS BIGINT), CAST(salt AS INTEGER), CAST(getvariable('sd_seed') AS BIGINT)) % 1000000007 AS DOUBLE) / 1000000007.0;

INSERT INTO raw.customers (customer_id, customer_name, email, tier, region, signup_date, loaded_at)
SELECT
  i + 1 AS customer_id,
  ['Acme', 'Globex', 'Initech', 'Umbrella', 'Stark', 'Wayne', 'Hooli', 'Soylent', 'Tyrell', 'Cyberdyne',
   'Wonka', 'Vandelay', 'Massive', 'Oscorp', 'Aperture', 'Gringotts'][1 + CAST(floor(sd_rand(i, 1) * 16) AS INTEGER)]
    || ' ' || ['Corp', 'Industries', 'Labs', 'Holdings', 'Systems', 'Partners'][1 + CAST(floor(sd_rand(i, 2) * 6) AS INTEGER)]
    || ' ' || CAST(i + 1 AS VARCHAR) AS customer_name,
  'buyer' || CAST(i + 1 AS VARCHAR) || '@example.com' AS email,
  -- 20% Enterprise, 30% Premium, 50% Standard, spread so that even the 10-customer default has all three
  CASE WHEN (i * 7) % 10 < 2 THEN 'Enterprise' WHEN (i * 7) % 10 < 5 THEN 'Premium' ELSE 'Standard' END AS tier,
  ['North America', 'Europe', 'Asia Pacific', 'Latin America'][1 + CAST(floor(sd_rand(i, 4) * 4) AS INTEGER)] AS region,
  DATE '2023-01-01' + CAST(floor(sd_rand(i, 5) * 730) AS INTEGER) AS signup_date,
  getvariable('sd_loaded_at') AS loaded_at
FROM range(getvariable('sd_customers')) t(i);

INSERT INTO raw.products (product_id, product_name, category, unit_cost, unit_price, loaded_at)
SELECT
  i + 1 AS product_id,
  ['Analytics', 'Cloud', 'Data', 'Edge', 'Secure', 'Smart', 'Quantum', 'Stream', 'Vector'][1 + (i % 9)]
    || ' ' || ['Server', 'Suite', 'Support'][1 + ((i // 9) % 3)]
    || CASE WHEN i >= 9 THEN ' ' || CAST(i + 1 AS VARCHAR) ELSE '' END AS product_name,
  ['Hardware', 'Software', 'Services'][1 + (i % 3)] AS category,
  CAST(round(price * (0.35 + sd_rand(i, 12) * 0.35), 2) AS DECIMAL(12, 2)) AS unit_cost,
  CAST(price AS DECIMAL(12, 2)) AS unit_price,
  getvariable('sd_loaded_at') AS loaded_at
FROM (SELECT i, round(50 + sd_rand(i, 11) * 4950, 2) AS price FROM range(getvariable('sd_products')) t(i)) p;

INSERT INTO raw.orders (order_id, customer_id, order_date, status, loaded_at)
SELECT
  i + 1 AS order_id,
  1 + CAST(floor(sd_rand(i, 21) * getvariable('sd_customers')) AS INTEGER) AS customer_id,
  DATE '2025-01-01' + CAST(floor(sd_rand(i, 22) * 365) AS INTEGER) AS order_date,
  CASE WHEN sd_rand(i, 23) < 0.9 THEN 'completed' WHEN sd_rand(i, 23) < 0.95 THEN 'pending' ELSE 'cancelled' END AS status,
  getvariable('sd_loaded_at') AS loaded_at
FROM range(getvariable('sd_orders')) t(i);

-- 1..4 lines per order: order o owns line slots o*4 .. o*4+3 and keeps the first n of them.
INSERT INTO raw.order_lines (order_line_id, order_id, product_id, quantity, unit_price, loaded_at)
SELECT
  CAST(l.slot + 1 AS INTEGER) AS order_line_id,
  CAST(l.o + 1 AS INTEGER) AS order_id,
  p.product_id,
  l.quantity,
  CAST(round(p.unit_price * (1 - l.discount), 2) AS DECIMAL(12, 2)) AS unit_price,
  getvariable('sd_loaded_at') AS loaded_at
FROM (
  SELECT
    slot,
    slot // 4 AS o,
    1 + CAST(floor(sd_rand(slot, 31) * getvariable('sd_products')) AS INTEGER) AS product_id,
    1 + CAST(floor(sd_rand(slot, 32) * 5) AS INTEGER) AS quantity,
    [0.0, 0.0, 0.05, 0.1][1 + CAST(floor(sd_rand(slot, 33) * 4) AS INTEGER)] AS discount
  FROM range(getvariable('sd_orders') * 4) t(slot)
  WHERE slot % 4 < 1 + CAST(floor(sd_rand(slot // 4, 34) * 4) AS INTEGER)
) l
JOIN raw.products p ON p.product_id = l.product_id;
