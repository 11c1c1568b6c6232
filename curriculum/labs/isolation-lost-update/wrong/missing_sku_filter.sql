-- The guarded UPDATE forgot "sku = :'sku'": every product with enough stock loses the units.
BEGIN;
SELECT on_hand FROM stock_levels WHERE sku = :'sku' FOR UPDATE \gset
UPDATE stock_levels SET on_hand = on_hand - :qty
WHERE on_hand >= :qty;
INSERT INTO reservations (sku, customer, qty)
SELECT :'sku', :'customer', :qty
WHERE :on_hand >= :qty;
COMMIT;
