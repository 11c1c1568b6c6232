-- Locks only the requester's own row: the two requests never touch the same row.
SELECT on_call FROM support_rota WHERE engineer = :'engineer' FOR UPDATE;
UPDATE support_rota SET on_call = false
WHERE engineer = :'engineer' AND (SELECT count(*) FROM support_rota WHERE on_call) >= 2;
