-- A neat partial index for the Cancelled tab... but the panel also has a Returned tab,
-- and status = 'returned' does not imply status = 'cancelled': that query cannot use it.
CREATE INDEX orders_cancelled_idx ON orders (customer_id, created_at DESC)
    WHERE status = 'cancelled';
