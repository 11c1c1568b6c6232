-- SKIP LOCKED: while A holds the row, B's SELECT finds no row at all, so \gset has nothing to store and B's checkout breaks.
BEGIN;
SELECT on_hand FROM stock_levels WHERE sku = :'sku' FOR UPDATE SKIP LOCKED \gset
UPDATE stock_levels SET on_hand = :on_hand - :qty
WHERE sku = :'sku' AND :on_hand >= :qty;
INSERT INTO reservations (sku, customer, qty)
SELECT :'sku', :'customer', :qty
WHERE :on_hand >= :qty;
COMMIT;
