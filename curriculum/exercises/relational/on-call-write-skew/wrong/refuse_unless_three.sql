-- Too careful: keeps two engineers on call, so valid requests are refused.
SET TRANSACTION ISOLATION LEVEL SERIALIZABLE;
UPDATE support_rota SET on_call = false
WHERE engineer = :'engineer' AND (SELECT count(*) FROM support_rota WHERE on_call) >= 3;
