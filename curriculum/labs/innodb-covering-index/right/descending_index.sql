CREATE INDEX recent_desc ON orders (customer_id, placed_at DESC, total_cents, status);
