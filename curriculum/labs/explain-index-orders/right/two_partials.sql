-- One partial index per tab: each holds only that status, so it is tiny.
CREATE INDEX orders_cancelled_idx ON orders (customer_id, created_at) WHERE status = 'cancelled';
CREATE INDEX orders_returned_idx ON orders (customer_id, created_at) WHERE status = 'returned';
