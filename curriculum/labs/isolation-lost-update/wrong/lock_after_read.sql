-- The lock comes one statement too late: on_hand was read (and stored in :on_hand) before
-- the row was locked, so after waiting for the other checkout, this one still writes back
-- arithmetic on the old value.
BEGIN;

SELECT on_hand FROM stock_levels WHERE sku = :'sku' \gset
SELECT 1 FROM stock_levels WHERE sku = :'sku' FOR UPDATE;

UPDATE stock_levels SET on_hand = :on_hand - :qty
WHERE sku = :'sku' AND :on_hand >= :qty;

INSERT INTO reservations (sku, customer, qty)
SELECT :'sku', :'customer', :qty
WHERE :on_hand >= :qty;

COMMIT;
