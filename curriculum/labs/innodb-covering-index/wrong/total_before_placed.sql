CREATE INDEX recent ON orders (customer_id, total_cents, placed_at, status);
