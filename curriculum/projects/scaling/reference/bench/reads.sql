\set tenant random_zipfian(1, 4000, 1.1)
SELECT id, subject, priority FROM tickets WHERE tenant_id = :tenant AND status = 'open' ORDER BY created_at DESC LIMIT 50;
