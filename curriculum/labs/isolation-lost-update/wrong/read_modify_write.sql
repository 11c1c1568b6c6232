-- The original checkout: both sessions read on_hand before either writes, then each writes
-- back its own arithmetic on a value that is already stale. One update is lost, and when
-- stock is low both customers get the last units.
BEGIN;

SELECT on_hand FROM stock_levels WHERE sku = :'sku' \gset

UPDATE stock_levels SET on_hand = :on_hand - :qty
WHERE sku = :'sku' AND :on_hand >= :qty;

INSERT INTO reservations (sku, customer, qty)
SELECT :'sku', :'customer', :qty
WHERE :on_hand >= :qty;

COMMIT;
