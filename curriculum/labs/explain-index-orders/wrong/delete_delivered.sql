-- Deletes the delivered orders "nobody looks at" so the (customer_id, created_at) scan filters few rows: the lab's data is gone.
DELETE FROM orders WHERE customer_id = 4242 AND status = 'delivered';
CREATE INDEX ON orders (customer_id, created_at);
