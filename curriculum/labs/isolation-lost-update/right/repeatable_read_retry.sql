-- REPEATABLE READ: the second writer of the same row gets 40001 and is retried with a fresh snapshot.
START TRANSACTION ISOLATION LEVEL REPEATABLE READ;
SELECT on_hand AS stock FROM stock_levels WHERE sku = :'sku' \gset
UPDATE stock_levels SET on_hand = on_hand - :qty
WHERE sku = :'sku' AND :stock >= :qty;
INSERT INTO reservations (sku, customer, qty)
SELECT :'sku', :'customer', :qty
WHERE :stock >= :qty;
COMMIT;
