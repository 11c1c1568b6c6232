-- Count the rows the guarded UPDATE changed (0 or 1) and reserve only when it is 1.
BEGIN;
WITH taken AS (
    UPDATE stock_levels SET on_hand = on_hand - :qty
    WHERE sku = :'sku' AND on_hand >= :qty
    RETURNING on_hand
)
SELECT count(*) AS taken FROM taken \gset
INSERT INTO reservations (sku, customer, qty)
SELECT :'sku', :'customer', :qty
WHERE :taken = 1;
COMMIT;
