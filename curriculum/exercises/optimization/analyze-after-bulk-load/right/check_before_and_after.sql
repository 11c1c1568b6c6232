INSERT INTO tickets SELECT i.* FROM tickets_import i ORDER BY i.opened_at;
EXPLAIN ANALYZE SELECT id, tenant_id, opened_at FROM tickets WHERE status = 'merged';
ANALYZE tickets;
EXPLAIN ANALYZE SELECT id, tenant_id, opened_at FROM tickets WHERE status = 'merged';
