-- A hash index finds the customer's 20,000 orders but cannot order them or filter the status.
CREATE INDEX ON orders USING hash (customer_id);
