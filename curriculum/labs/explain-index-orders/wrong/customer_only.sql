-- The customer alone: 20,000 rows read, nearly all discarded by the status filter, then sorted.
CREATE INDEX ON orders (customer_id);
