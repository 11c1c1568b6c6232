-- Equality column first, then the ORDER BY column, then what the panels select or group on.
-- No need to add id: every InnoDB secondary index already ends with the primary key.
CREATE INDEX orders_customer_recent ON orders (customer_id, placed_at, total_cents, status);
