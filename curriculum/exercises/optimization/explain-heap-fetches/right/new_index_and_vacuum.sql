-- A second covering index works too, as long as the table is vacuumed.
CREATE INDEX orders_customer_cover ON orders (customer_id, created_at, total_cents);
VACUUM ANALYZE orders;
