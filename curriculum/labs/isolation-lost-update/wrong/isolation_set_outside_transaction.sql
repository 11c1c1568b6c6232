-- "Use REPEATABLE READ" -- but SET TRANSACTION before BEGIN applies to no transaction at
-- all (Postgres only warns), so the checkout still runs at READ COMMITTED and still loses
-- the update.
SET TRANSACTION ISOLATION LEVEL REPEATABLE READ;
BEGIN;

SELECT on_hand FROM stock_levels WHERE sku = :'sku' \gset

UPDATE stock_levels SET on_hand = :on_hand - :qty
WHERE sku = :'sku' AND :on_hand >= :qty;

INSERT INTO reservations (sku, customer, qty)
SELECT :'sku', :'customer', :qty
WHERE :on_hand >= :qty;

COMMIT;
