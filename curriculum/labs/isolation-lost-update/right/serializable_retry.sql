-- The original code under SERIALIZABLE: one of two conflicting checkouts fails with 40001 and the service retries it.
BEGIN ISOLATION LEVEL SERIALIZABLE;
SELECT on_hand FROM stock_levels WHERE sku = :'sku' \gset
UPDATE stock_levels SET on_hand = :on_hand - :qty
WHERE sku = :'sku' AND :on_hand >= :qty;
INSERT INTO reservations (sku, customer, qty)
SELECT :'sku', :'customer', :qty
WHERE :on_hand >= :qty;
COMMIT;
