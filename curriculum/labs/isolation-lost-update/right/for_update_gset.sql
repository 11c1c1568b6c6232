-- Lock the stock row in the statement that reads it; the rest of the original code is then safe.
BEGIN;
SELECT on_hand FROM stock_levels WHERE sku = :'sku' FOR UPDATE \gset
UPDATE stock_levels SET on_hand = :on_hand - :qty
WHERE sku = :'sku' AND :on_hand >= :qty;
INSERT INTO reservations (sku, customer, qty)
SELECT :'sku', :'customer', :qty
WHERE :on_hand >= :qty;
COMMIT;
