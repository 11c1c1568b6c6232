-- Exploring first, then the index: a read-only look at the plan does not change the data.
EXPLAIN SELECT id, created_at, total_cents FROM orders WHERE customer_id = 4242 AND status = 'cancelled' ORDER BY created_at DESC LIMIT 20;
SELECT count(*) FROM orders WHERE customer_id = 4242;
CREATE INDEX ON orders (status, customer_id, created_at DESC);
EXPLAIN (ANALYZE, BUFFERS) SELECT id, created_at, total_cents FROM orders WHERE customer_id = 4242 AND status = 'returned' ORDER BY created_at DESC LIMIT 20;
