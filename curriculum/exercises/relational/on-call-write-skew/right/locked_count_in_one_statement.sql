-- One statement: the subquery locks the on-call rows it counts; a concurrent request waits
-- on them and then re-reads the rows the first one changed.
UPDATE support_rota
SET on_call = false
WHERE engineer = :'engineer'
  AND (SELECT count(*) FROM (SELECT engineer FROM support_rota WHERE on_call FOR UPDATE) locked) >= 2;
