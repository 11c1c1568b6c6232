EXPLAIN (ANALYZE, BUFFERS)
SELECT id, queue, created_at FROM jobs WHERE status = 'pending' ORDER BY created_at LIMIT 20;
