-- Equality columns first (customer_id, status), then the ORDER BY column. Within one
-- (customer, status) pair the entries are already sorted by created_at, so Postgres reads
-- the 20 newest entries and stops: no Sort, no rows read and thrown away.
-- (created_at DESC matches the query's direction; an ascending index scanned backward
-- works just as well.)
CREATE INDEX orders_customer_status_created_idx
    ON orders (customer_id, status, created_at DESC);
