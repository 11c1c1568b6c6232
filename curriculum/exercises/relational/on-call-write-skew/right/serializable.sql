-- The starter, at SERIALIZABLE: PostgreSQL aborts one of two requests that would skew, and
-- the retried request counts again.
SET TRANSACTION ISOLATION LEVEL SERIALIZABLE;
UPDATE support_rota
SET on_call = false
WHERE engineer = :'engineer'
  AND (SELECT count(*) FROM support_rota WHERE on_call) >= 2;
