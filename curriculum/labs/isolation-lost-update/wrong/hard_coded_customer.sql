-- Records every reservation under one customer name: the stock counts add up, but the warehouse ships to the wrong person.
BEGIN;
WITH taken AS (
    UPDATE stock_levels SET on_hand = on_hand - :qty
    WHERE sku = :'sku' AND on_hand >= :qty
    RETURNING sku
)
INSERT INTO reservations (sku, customer, qty)
SELECT sku, 'web-checkout', :qty FROM taken;
COMMIT;
