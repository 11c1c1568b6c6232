-- BRIN on created_at: block ranges cannot find one customer's orders.
CREATE INDEX ON orders USING brin (created_at);
