-- FOR UPDATE on the wrong table: the row lock is taken on the products row, while the
-- number that matters lives in stock_levels. Session B does wait for A's lock, but its
-- SELECT already started with a snapshot from before A's commit, and A never changed the
-- products row, so nothing is re-read: B still gets the old on_hand and writes it back.
BEGIN;

SELECT s.on_hand
FROM stock_levels s
JOIN products p ON p.sku = s.sku
WHERE s.sku = :'sku'
FOR UPDATE OF p \gset

UPDATE stock_levels SET on_hand = :on_hand - :qty
WHERE sku = :'sku' AND :on_hand >= :qty;

INSERT INTO reservations (sku, customer, qty)
SELECT :'sku', :'customer', :qty
WHERE :on_hand >= :qty;

COMMIT;
