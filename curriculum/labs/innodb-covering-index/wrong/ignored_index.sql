CREATE INDEX recent ON orders (customer_id, placed_at, total_cents, status) IGNORED;
