-- The starter: both requests count 2 before either commits.
UPDATE support_rota
SET on_call = false
WHERE engineer = :'engineer'
  AND (SELECT count(*) FROM support_rota WHERE on_call) >= 2;
