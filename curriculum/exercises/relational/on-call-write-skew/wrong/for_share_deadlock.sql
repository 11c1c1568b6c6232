-- FOR SHARE locks do not conflict with each other: both requests share-lock both rows, then
-- each waits for the other to release the row it wants to update: a deadlock.
SELECT engineer FROM support_rota WHERE on_call FOR SHARE;
UPDATE support_rota SET on_call = false
WHERE engineer = :'engineer' AND (SELECT count(*) FROM support_rota WHERE on_call) >= 2;
