\set tenant random_zipfian(1, 4000, 1.1)
INSERT INTO comments (ticket_id, tenant_id, author, body)
SELECT id, tenant_id, 'agent', 'bench reply' FROM tickets WHERE tenant_id = :tenant ORDER BY created_at DESC LIMIT 1;
