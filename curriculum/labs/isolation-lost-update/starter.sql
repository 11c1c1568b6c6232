-- The checkout transaction. The shop runs it once per order, and during the flash sale two
-- customers' checkouts run at the same moment. Each session has its own variables:
--   :'sku'       the product, e.g. 'KB-400'
--   :qty         how many units the customer wants
--   :'customer'  who is buying
-- psql's \gset stores the row of a query in variables (here :on_hand).
--
-- It works when one customer checks out at a time. Under concurrency it loses stock
-- updates and sells units the shop does not have. Fix it.
BEGIN;

SELECT on_hand FROM stock_levels WHERE sku = :'sku' \gset

-- enough stock? then take it and record the reservation; otherwise do nothing
UPDATE stock_levels SET on_hand = :on_hand - :qty
WHERE sku = :'sku' AND :on_hand >= :qty;

INSERT INTO reservations (sku, customer, qty)
SELECT :'sku', :'customer', :qty
WHERE :on_hand >= :qty;

COMMIT;
