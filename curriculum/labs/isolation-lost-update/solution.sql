-- Let one statement read and write the stock: the UPDATE takes the row lock, re-checks
-- on_hand >= :qty on the newest version of the row (a concurrent checkout's UPDATE waits
-- for ours to commit, then re-reads), and returns the row only when the units were taken.
-- The reservation is inserted only for a row the UPDATE returned. A sold-out checkout
-- changes nothing and raises no error.
BEGIN;

WITH taken AS (
    UPDATE stock_levels
    SET on_hand = on_hand - :qty
    WHERE sku = :'sku' AND on_hand >= :qty
    RETURNING sku
)
INSERT INTO reservations (sku, customer, qty)
SELECT sku, :'customer', :qty FROM taken;

COMMIT;
