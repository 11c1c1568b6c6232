/* look first */
EXPLAIN FORMAT=JSON SELECT id, placed_at, total_cents FROM orders WHERE customer_id = 777 ORDER BY placed_at DESC LIMIT 20;
CREATE INDEX status_summary ON orders (customer_id, status, placed_at);
CREATE INDEX recent ON orders (customer_id, placed_at, total_cents);
