-- The UPDATE reports whether it took the units; \gset stores the boolean as psql prints it (t or f).
BEGIN;
WITH taken AS (
    UPDATE stock_levels SET on_hand = on_hand - :qty
    WHERE sku = :'sku' AND on_hand >= :qty
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM taken) AS took \gset
INSERT INTO reservations (sku, customer, qty)
SELECT :'sku', :'customer', :qty
WHERE :'took' = 't';
COMMIT;
