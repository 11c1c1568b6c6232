-- No BEGIN/COMMIT at all: one statement is its own transaction, and it reads and writes atomically.
WITH taken AS (
    UPDATE stock_levels AS s SET on_hand = s.on_hand - :qty
    WHERE s.sku = :'sku' AND s.on_hand >= :qty
    RETURNING s.sku
)
INSERT INTO reservations (sku, customer, qty)
SELECT t.sku, :'customer', :qty FROM taken AS t;
