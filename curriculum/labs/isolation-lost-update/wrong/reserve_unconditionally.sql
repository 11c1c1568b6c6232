-- The stock update is atomic and guarded, but the reservation is inserted whether or not units were taken.
BEGIN;
UPDATE stock_levels SET on_hand = on_hand - :qty
WHERE sku = :'sku' AND on_hand >= :qty;
INSERT INTO reservations (sku, customer, qty)
VALUES (:'sku', :'customer', :qty);
COMMIT;
