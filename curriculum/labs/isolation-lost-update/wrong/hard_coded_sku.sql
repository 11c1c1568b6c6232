-- The flash-sale product written into the query: right for KB-400, and it sells keyboards to every other product's buyers.
BEGIN;
WITH taken AS (
    UPDATE stock_levels SET on_hand = on_hand - :qty
    WHERE sku = 'KB-400' AND on_hand >= :qty
    RETURNING sku
)
INSERT INTO reservations (sku, customer, qty)
SELECT sku, :'customer', :qty FROM taken;
COMMIT;
