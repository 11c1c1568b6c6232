-- The lesson's example: one snapshot per transaction does not stop write skew.
SET TRANSACTION ISOLATION LEVEL REPEATABLE READ;
SELECT count(*) AS on_call_now FROM support_rota WHERE on_call \gset
UPDATE support_rota SET on_call = false WHERE engineer = :'engineer' AND :on_call_now >= 2;
