CREATE INDEX recent ON orders (placed_at, customer_id, total_cents, status);
