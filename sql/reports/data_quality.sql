-- data_quality: one row per check on the raw tables (where defects land; processed/reporting hide them).
--   null        failed_count = rows whose required column is NULL
--   duplicate   failed_count = extra rows for a key (rows with a non-null key - distinct keys)
--   referential failed_count = rows whose foreign key has no parent row
--   validity    failed_count = rows outside the allowed domain
--   freshness   failed_count = 1 when the newest loaded_at is more than :freshness_hours before :now (or the
--               table is empty), else 0; observed_value = hours since the newest row
-- A check passes when failed_count = 0. Binds: now (UTC timestamp 'YYYY-MM-DD HH:MM:SS'), freshness_hours.
SELECT 'customers.customer_id not null' AS check_name, 'null' AS check_type, 'raw.customers' AS table_name, 'customer_id' AS column_name,
  CAST(COUNT(*) - COUNT(customer_id) AS INTEGER) AS failed_count, CAST(COUNT(*) AS INTEGER) AS checked_rows,
  CAST(NULL AS DOUBLE) AS observed_value, CAST(NULL AS DOUBLE) AS threshold
FROM raw.customers
UNION ALL
SELECT 'customers.customer_name not null' AS check_name, 'null' AS check_type, 'raw.customers' AS table_name, 'customer_name' AS column_name,
  CAST(COUNT(*) - COUNT(customer_name) AS INTEGER) AS failed_count, CAST(COUNT(*) AS INTEGER) AS checked_rows,
  CAST(NULL AS DOUBLE) AS observed_value, CAST(NULL AS DOUBLE) AS threshold
FROM raw.customers
UNION ALL
SELECT 'customers.tier not null' AS check_name, 'null' AS check_type, 'raw.customers' AS table_name, 'tier' AS column_name,
  CAST(COUNT(*) - COUNT(tier) AS INTEGER) AS failed_count, CAST(COUNT(*) AS INTEGER) AS checked_rows,
  CAST(NULL AS DOUBLE) AS observed_value, CAST(NULL AS DOUBLE) AS threshold
FROM raw.customers
UNION ALL
SELECT 'customers.region not null' AS check_name, 'null' AS check_type, 'raw.customers' AS table_name, 'region' AS column_name,
  CAST(COUNT(*) - COUNT(region) AS INTEGER) AS failed_count, CAST(COUNT(*) AS INTEGER) AS checked_rows,
  CAST(NULL AS DOUBLE) AS observed_value, CAST(NULL AS DOUBLE) AS threshold
FROM raw.customers
UNION ALL
SELECT 'products.product_id not null' AS check_name, 'null' AS check_type, 'raw.products' AS table_name, 'product_id' AS column_name,
  CAST(COUNT(*) - COUNT(product_id) AS INTEGER) AS failed_count, CAST(COUNT(*) AS INTEGER) AS checked_rows,
  CAST(NULL AS DOUBLE) AS observed_value, CAST(NULL AS DOUBLE) AS threshold
FROM raw.products
UNION ALL
SELECT 'products.product_name not null' AS check_name, 'null' AS check_type, 'raw.products' AS table_name, 'product_name' AS column_name,
  CAST(COUNT(*) - COUNT(product_name) AS INTEGER) AS failed_count, CAST(COUNT(*) AS INTEGER) AS checked_rows,
  CAST(NULL AS DOUBLE) AS observed_value, CAST(NULL AS DOUBLE) AS threshold
FROM raw.products
UNION ALL
SELECT 'products.category not null' AS check_name, 'null' AS check_type, 'raw.products' AS table_name, 'category' AS column_name,
  CAST(COUNT(*) - COUNT(category) AS INTEGER) AS failed_count, CAST(COUNT(*) AS INTEGER) AS checked_rows,
  CAST(NULL AS DOUBLE) AS observed_value, CAST(NULL AS DOUBLE) AS threshold
FROM raw.products
UNION ALL
SELECT 'products.unit_cost not null' AS check_name, 'null' AS check_type, 'raw.products' AS table_name, 'unit_cost' AS column_name,
  CAST(COUNT(*) - COUNT(unit_cost) AS INTEGER) AS failed_count, CAST(COUNT(*) AS INTEGER) AS checked_rows,
  CAST(NULL AS DOUBLE) AS observed_value, CAST(NULL AS DOUBLE) AS threshold
FROM raw.products
UNION ALL
SELECT 'products.unit_price not null' AS check_name, 'null' AS check_type, 'raw.products' AS table_name, 'unit_price' AS column_name,
  CAST(COUNT(*) - COUNT(unit_price) AS INTEGER) AS failed_count, CAST(COUNT(*) AS INTEGER) AS checked_rows,
  CAST(NULL AS DOUBLE) AS observed_value, CAST(NULL AS DOUBLE) AS threshold
FROM raw.products
UNION ALL
SELECT 'orders.order_id not null' AS check_name, 'null' AS check_type, 'raw.orders' AS table_name, 'order_id' AS column_name,
  CAST(COUNT(*) - COUNT(order_id) AS INTEGER) AS failed_count, CAST(COUNT(*) AS INTEGER) AS checked_rows,
  CAST(NULL AS DOUBLE) AS observed_value, CAST(NULL AS DOUBLE) AS threshold
FROM raw.orders
UNION ALL
SELECT 'orders.customer_id not null' AS check_name, 'null' AS check_type, 'raw.orders' AS table_name, 'customer_id' AS column_name,
  CAST(COUNT(*) - COUNT(customer_id) AS INTEGER) AS failed_count, CAST(COUNT(*) AS INTEGER) AS checked_rows,
  CAST(NULL AS DOUBLE) AS observed_value, CAST(NULL AS DOUBLE) AS threshold
FROM raw.orders
UNION ALL
SELECT 'orders.order_date not null' AS check_name, 'null' AS check_type, 'raw.orders' AS table_name, 'order_date' AS column_name,
  CAST(COUNT(*) - COUNT(order_date) AS INTEGER) AS failed_count, CAST(COUNT(*) AS INTEGER) AS checked_rows,
  CAST(NULL AS DOUBLE) AS observed_value, CAST(NULL AS DOUBLE) AS threshold
FROM raw.orders
UNION ALL
SELECT 'orders.status not null' AS check_name, 'null' AS check_type, 'raw.orders' AS table_name, 'status' AS column_name,
  CAST(COUNT(*) - COUNT(status) AS INTEGER) AS failed_count, CAST(COUNT(*) AS INTEGER) AS checked_rows,
  CAST(NULL AS DOUBLE) AS observed_value, CAST(NULL AS DOUBLE) AS threshold
FROM raw.orders
UNION ALL
SELECT 'order_lines.order_line_id not null' AS check_name, 'null' AS check_type, 'raw.order_lines' AS table_name, 'order_line_id' AS column_name,
  CAST(COUNT(*) - COUNT(order_line_id) AS INTEGER) AS failed_count, CAST(COUNT(*) AS INTEGER) AS checked_rows,
  CAST(NULL AS DOUBLE) AS observed_value, CAST(NULL AS DOUBLE) AS threshold
FROM raw.order_lines
UNION ALL
SELECT 'order_lines.order_id not null' AS check_name, 'null' AS check_type, 'raw.order_lines' AS table_name, 'order_id' AS column_name,
  CAST(COUNT(*) - COUNT(order_id) AS INTEGER) AS failed_count, CAST(COUNT(*) AS INTEGER) AS checked_rows,
  CAST(NULL AS DOUBLE) AS observed_value, CAST(NULL AS DOUBLE) AS threshold
FROM raw.order_lines
UNION ALL
SELECT 'order_lines.product_id not null' AS check_name, 'null' AS check_type, 'raw.order_lines' AS table_name, 'product_id' AS column_name,
  CAST(COUNT(*) - COUNT(product_id) AS INTEGER) AS failed_count, CAST(COUNT(*) AS INTEGER) AS checked_rows,
  CAST(NULL AS DOUBLE) AS observed_value, CAST(NULL AS DOUBLE) AS threshold
FROM raw.order_lines
UNION ALL
SELECT 'order_lines.quantity not null' AS check_name, 'null' AS check_type, 'raw.order_lines' AS table_name, 'quantity' AS column_name,
  CAST(COUNT(*) - COUNT(quantity) AS INTEGER) AS failed_count, CAST(COUNT(*) AS INTEGER) AS checked_rows,
  CAST(NULL AS DOUBLE) AS observed_value, CAST(NULL AS DOUBLE) AS threshold
FROM raw.order_lines
UNION ALL
SELECT 'order_lines.unit_price not null' AS check_name, 'null' AS check_type, 'raw.order_lines' AS table_name, 'unit_price' AS column_name,
  CAST(COUNT(*) - COUNT(unit_price) AS INTEGER) AS failed_count, CAST(COUNT(*) AS INTEGER) AS checked_rows,
  CAST(NULL AS DOUBLE) AS observed_value, CAST(NULL AS DOUBLE) AS threshold
FROM raw.order_lines
UNION ALL
SELECT 'customers.customer_id unique' AS check_name, 'duplicate' AS check_type, 'raw.customers' AS table_name, 'customer_id' AS column_name,
  CAST(COUNT(customer_id) - COUNT(DISTINCT customer_id) AS INTEGER) AS failed_count, CAST(COUNT(*) AS INTEGER) AS checked_rows,
  CAST(NULL AS DOUBLE) AS observed_value, CAST(NULL AS DOUBLE) AS threshold
FROM raw.customers
UNION ALL
SELECT 'products.product_id unique' AS check_name, 'duplicate' AS check_type, 'raw.products' AS table_name, 'product_id' AS column_name,
  CAST(COUNT(product_id) - COUNT(DISTINCT product_id) AS INTEGER) AS failed_count, CAST(COUNT(*) AS INTEGER) AS checked_rows,
  CAST(NULL AS DOUBLE) AS observed_value, CAST(NULL AS DOUBLE) AS threshold
FROM raw.products
UNION ALL
SELECT 'orders.order_id unique' AS check_name, 'duplicate' AS check_type, 'raw.orders' AS table_name, 'order_id' AS column_name,
  CAST(COUNT(order_id) - COUNT(DISTINCT order_id) AS INTEGER) AS failed_count, CAST(COUNT(*) AS INTEGER) AS checked_rows,
  CAST(NULL AS DOUBLE) AS observed_value, CAST(NULL AS DOUBLE) AS threshold
FROM raw.orders
UNION ALL
SELECT 'order_lines.order_line_id unique' AS check_name, 'duplicate' AS check_type, 'raw.order_lines' AS table_name, 'order_line_id' AS column_name,
  CAST(COUNT(order_line_id) - COUNT(DISTINCT order_line_id) AS INTEGER) AS failed_count, CAST(COUNT(*) AS INTEGER) AS checked_rows,
  CAST(NULL AS DOUBLE) AS observed_value, CAST(NULL AS DOUBLE) AS threshold
FROM raw.order_lines
UNION ALL
SELECT 'orders.customer_id references customers' AS check_name, 'referential' AS check_type, 'raw.orders' AS table_name, 'customer_id' AS column_name,
  CAST(COUNT(CASE WHEN x.customer_id IS NOT NULL AND p.parent_key IS NULL THEN 1 END) AS INTEGER) AS failed_count, CAST(COUNT(*) AS INTEGER) AS checked_rows,
  CAST(NULL AS DOUBLE) AS observed_value, CAST(NULL AS DOUBLE) AS threshold
FROM raw.orders x
LEFT JOIN (SELECT DISTINCT customer_id AS parent_key FROM raw.customers) p ON p.parent_key = x.customer_id
UNION ALL
SELECT 'order_lines.order_id references orders' AS check_name, 'referential' AS check_type, 'raw.order_lines' AS table_name, 'order_id' AS column_name,
  CAST(COUNT(CASE WHEN x.order_id IS NOT NULL AND p.parent_key IS NULL THEN 1 END) AS INTEGER) AS failed_count, CAST(COUNT(*) AS INTEGER) AS checked_rows,
  CAST(NULL AS DOUBLE) AS observed_value, CAST(NULL AS DOUBLE) AS threshold
FROM raw.order_lines x
LEFT JOIN (SELECT DISTINCT order_id AS parent_key FROM raw.orders) p ON p.parent_key = x.order_id
UNION ALL
SELECT 'order_lines.product_id references products' AS check_name, 'referential' AS check_type, 'raw.order_lines' AS table_name, 'product_id' AS column_name,
  CAST(COUNT(CASE WHEN x.product_id IS NOT NULL AND p.parent_key IS NULL THEN 1 END) AS INTEGER) AS failed_count, CAST(COUNT(*) AS INTEGER) AS checked_rows,
  CAST(NULL AS DOUBLE) AS observed_value, CAST(NULL AS DOUBLE) AS threshold
FROM raw.order_lines x
LEFT JOIN (SELECT DISTINCT product_id AS parent_key FROM raw.products) p ON p.parent_key = x.product_id
UNION ALL
SELECT 'customers.tier in (Enterprise, Premium, Standard)' AS check_name, 'validity' AS check_type, 'raw.customers' AS table_name, 'tier' AS column_name,
  CAST(COUNT(CASE WHEN tier IS NOT NULL AND tier NOT IN ('Enterprise', 'Premium', 'Standard') THEN 1 END) AS INTEGER) AS failed_count, CAST(COUNT(*) AS INTEGER) AS checked_rows,
  CAST(NULL AS DOUBLE) AS observed_value, CAST(NULL AS DOUBLE) AS threshold
FROM raw.customers
UNION ALL
SELECT 'orders.status in (completed, pending, cancelled)' AS check_name, 'validity' AS check_type, 'raw.orders' AS table_name, 'status' AS column_name,
  CAST(COUNT(CASE WHEN status IS NOT NULL AND status NOT IN ('completed', 'pending', 'cancelled') THEN 1 END) AS INTEGER) AS failed_count, CAST(COUNT(*) AS INTEGER) AS checked_rows,
  CAST(NULL AS DOUBLE) AS observed_value, CAST(NULL AS DOUBLE) AS threshold
FROM raw.orders
UNION ALL
SELECT 'order_lines.quantity positive' AS check_name, 'validity' AS check_type, 'raw.order_lines' AS table_name, 'quantity' AS column_name,
  CAST(COUNT(CASE WHEN quantity <= 0 THEN 1 END) AS INTEGER) AS failed_count, CAST(COUNT(*) AS INTEGER) AS checked_rows,
  CAST(NULL AS DOUBLE) AS observed_value, CAST(NULL AS DOUBLE) AS threshold
FROM raw.order_lines
UNION ALL
SELECT 'products.unit_price not below unit_cost' AS check_name, 'validity' AS check_type, 'raw.products' AS table_name, 'unit_price' AS column_name,
  CAST(COUNT(CASE WHEN unit_price < unit_cost THEN 1 END) AS INTEGER) AS failed_count, CAST(COUNT(*) AS INTEGER) AS checked_rows,
  CAST(NULL AS DOUBLE) AS observed_value, CAST(NULL AS DOUBLE) AS threshold
FROM raw.products
UNION ALL
SELECT 'customers fresh' AS check_name, 'freshness' AS check_type, 'raw.customers' AS table_name, 'loaded_at' AS column_name,
  CAST(CASE WHEN MAX(loaded_at) IS NULL OR DATEDIFF('hour', MAX(loaded_at), CAST(:now AS TIMESTAMP)) > CAST(:freshness_hours AS INTEGER) THEN 1 ELSE 0 END AS INTEGER) AS failed_count, CAST(COUNT(*) AS INTEGER) AS checked_rows,
  CAST(DATEDIFF('hour', MAX(loaded_at), CAST(:now AS TIMESTAMP)) AS DOUBLE) AS observed_value, CAST(CAST(:freshness_hours AS INTEGER) AS DOUBLE) AS threshold
FROM raw.customers
UNION ALL
SELECT 'products fresh' AS check_name, 'freshness' AS check_type, 'raw.products' AS table_name, 'loaded_at' AS column_name,
  CAST(CASE WHEN MAX(loaded_at) IS NULL OR DATEDIFF('hour', MAX(loaded_at), CAST(:now AS TIMESTAMP)) > CAST(:freshness_hours AS INTEGER) THEN 1 ELSE 0 END AS INTEGER) AS failed_count, CAST(COUNT(*) AS INTEGER) AS checked_rows,
  CAST(DATEDIFF('hour', MAX(loaded_at), CAST(:now AS TIMESTAMP)) AS DOUBLE) AS observed_value, CAST(CAST(:freshness_hours AS INTEGER) AS DOUBLE) AS threshold
FROM raw.products
UNION ALL
SELECT 'orders fresh' AS check_name, 'freshness' AS check_type, 'raw.orders' AS table_name, 'loaded_at' AS column_name,
  CAST(CASE WHEN MAX(loaded_at) IS NULL OR DATEDIFF('hour', MAX(loaded_at), CAST(:now AS TIMESTAMP)) > CAST(:freshness_hours AS INTEGER) THEN 1 ELSE 0 END AS INTEGER) AS failed_count, CAST(COUNT(*) AS INTEGER) AS checked_rows,
  CAST(DATEDIFF('hour', MAX(loaded_at), CAST(:now AS TIMESTAMP)) AS DOUBLE) AS observed_value, CAST(CAST(:freshness_hours AS INTEGER) AS DOUBLE) AS threshold
FROM raw.orders
UNION ALL
SELECT 'order_lines fresh' AS check_name, 'freshness' AS check_type, 'raw.order_lines' AS table_name, 'loaded_at' AS column_name,
  CAST(CASE WHEN MAX(loaded_at) IS NULL OR DATEDIFF('hour', MAX(loaded_at), CAST(:now AS TIMESTAMP)) > CAST(:freshness_hours AS INTEGER) THEN 1 ELSE 0 END AS INTEGER) AS failed_count, CAST(COUNT(*) AS INTEGER) AS checked_rows,
  CAST(DATEDIFF('hour', MAX(loaded_at), CAST(:now AS TIMESTAMP)) AS DOUBLE) AS observed_value, CAST(CAST(:freshness_hours AS INTEGER) AS DOUBLE) AS threshold
FROM raw.order_lines;
