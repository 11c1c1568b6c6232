-- One statement reads and writes: the UPDATE's guard sees the current row, the INSERT happens only if it did.
BEGIN;
WITH taken AS (
    UPDATE stock_levels SET on_hand = on_hand - :qty
    WHERE sku = :'sku' AND on_hand >= :qty
    RETURNING sku
)
INSERT INTO reservations (sku, customer, qty)
SELECT sku, :'customer', :qty FROM taken;
COMMIT;
