-- Read the count into a psql variable first, as an application would, at SERIALIZABLE.
SET TRANSACTION ISOLATION LEVEL SERIALIZABLE;
SELECT count(*) AS on_call_now FROM support_rota WHERE on_call \gset
UPDATE support_rota SET on_call = false
WHERE engineer = :'engineer' AND on_call AND :on_call_now >= 2;
