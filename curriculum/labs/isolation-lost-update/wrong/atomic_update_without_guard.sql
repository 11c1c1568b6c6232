-- The arithmetic moved into the UPDATE (no more lost update), but the stock test was
-- dropped: when the last units are gone, the CHECK (on_hand >= 0) constraint makes the
-- second checkout crash with an error instead of politely finding nothing to reserve.
BEGIN;

UPDATE stock_levels SET on_hand = on_hand - :qty WHERE sku = :'sku';

INSERT INTO reservations (sku, customer, qty)
VALUES (:'sku', :'customer', :qty);

COMMIT;
