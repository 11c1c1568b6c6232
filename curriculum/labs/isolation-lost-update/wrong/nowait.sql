-- FOR UPDATE NOWAIT: the second checkout does not wait for the first one, it fails at once with an error page.
BEGIN;
SELECT on_hand FROM stock_levels WHERE sku = :'sku' FOR UPDATE NOWAIT \gset
UPDATE stock_levels SET on_hand = :on_hand - :qty
WHERE sku = :'sku' AND :on_hand >= :qty;
INSERT INTO reservations (sku, customer, qty)
SELECT :'sku', :'customer', :qty
WHERE :on_hand >= :qty;
COMMIT;
