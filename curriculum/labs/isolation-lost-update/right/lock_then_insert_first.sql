-- Lock the row without reading it into a variable, then reserve and take stock, both guarded by the locked value.
BEGIN;
SELECT 1 FROM stock_levels WHERE sku = :'sku' FOR NO KEY UPDATE;
INSERT INTO reservations (sku, customer, qty)
SELECT sku, :'customer', :qty FROM stock_levels
WHERE sku = :'sku' AND on_hand >= :qty;
UPDATE stock_levels SET on_hand = on_hand - :qty
WHERE sku = :'sku' AND on_hand >= :qty;
COMMIT;
