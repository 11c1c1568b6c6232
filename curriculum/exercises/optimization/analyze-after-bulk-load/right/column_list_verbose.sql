INSERT INTO tickets (id, tenant_id, status, priority, opened_at)
SELECT id, tenant_id, status, priority, opened_at FROM tickets_import;
ANALYZE VERBOSE tickets;
