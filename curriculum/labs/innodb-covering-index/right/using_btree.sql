CREATE INDEX recent USING BTREE ON orders (customer_id, placed_at, total_cents, status);
