-- A transaction-level advisory lock per SKU serialises checkouts of the same product.
BEGIN;
SELECT pg_advisory_xact_lock(hashtext(:'sku'));
SELECT on_hand FROM stock_levels WHERE sku = :'sku' \gset
UPDATE stock_levels SET on_hand = :on_hand - :qty
WHERE sku = :'sku' AND :on_hand >= :qty;
INSERT INTO reservations (sku, customer, qty)
SELECT :'sku', :'customer', :qty
WHERE :on_hand >= :qty;
COMMIT;
