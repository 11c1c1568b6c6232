-- Lock every on-call row before counting them: a second request waits here until the first
-- commits, and then (read committed: each statement takes a fresh snapshot) its UPDATE sees
-- the first request's change and counts one engineer fewer.
SELECT engineer FROM support_rota WHERE on_call ORDER BY engineer FOR UPDATE;

UPDATE support_rota
SET on_call = false
WHERE engineer = :'engineer'
  AND on_call
  AND (SELECT count(*) FROM support_rota WHERE on_call) >= 2;
