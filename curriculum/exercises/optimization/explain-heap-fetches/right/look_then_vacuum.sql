EXPLAIN (ANALYZE, BUFFERS)
SELECT created_at, total_cents FROM orders WHERE customer_id = 4711 ORDER BY created_at;
SELECT relpages, relallvisible FROM pg_class WHERE relname = 'orders';
VACUUM orders;
SELECT relpages, relallvisible FROM pg_class WHERE relname = 'orders';
