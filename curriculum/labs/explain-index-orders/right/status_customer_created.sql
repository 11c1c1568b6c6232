-- The two equality columns in the other order: status first works just as well.
CREATE INDEX orders_status_customer_created_idx ON orders (status, customer_id, created_at);
