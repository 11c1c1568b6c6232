-- REPEATABLE READ plus a locking read: the second request fails with 40001 once the first
-- commits, and its retry sees the new rota.
SET TRANSACTION ISOLATION LEVEL REPEATABLE READ;
SELECT engineer FROM support_rota WHERE on_call FOR UPDATE;
UPDATE support_rota SET on_call = false
WHERE engineer = :'engineer' AND (SELECT count(*) FROM support_rota WHERE on_call) >= 2;
