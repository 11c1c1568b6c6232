-- The request of :'engineer' as the team wrote it first. It works when requests come one at
-- a time; find out what happens when two arrive together, and fix it.
UPDATE support_rota
SET on_call = false
WHERE engineer = :'engineer'
  AND (SELECT count(*) FROM support_rota WHERE on_call) >= 2;
