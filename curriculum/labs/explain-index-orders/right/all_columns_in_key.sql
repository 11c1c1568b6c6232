-- The whole row in the key: (customer_id, status, created_at, id, total_cents).
CREATE INDEX orders_wide_idx ON orders (customer_id, status, created_at, id, total_cents);
