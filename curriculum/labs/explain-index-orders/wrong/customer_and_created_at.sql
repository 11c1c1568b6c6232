-- Almost: the customer's orders come newest first, but status is not in the index, so
-- Postgres fetches hundreds of delivered orders from the table only to throw them away
-- before it has 20 cancelled ones.
CREATE INDEX orders_customer_created_idx ON orders (customer_id, created_at);
