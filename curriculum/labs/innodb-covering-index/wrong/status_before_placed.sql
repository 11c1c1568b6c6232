CREATE INDEX recent ON orders (customer_id, status, placed_at, total_cents);
