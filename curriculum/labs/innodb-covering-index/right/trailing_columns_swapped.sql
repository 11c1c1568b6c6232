CREATE INDEX recent ON orders (customer_id, placed_at, status, total_cents);
