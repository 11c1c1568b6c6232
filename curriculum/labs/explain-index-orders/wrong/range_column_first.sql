-- All three columns, but the sort column first. The index is sorted by time, so the
-- customer's cancelled orders are scattered through it: the scan walks every order of the
-- last months (checking customer_id and status inside the index) to find 20 matches.
CREATE INDEX orders_created_customer_status_idx ON orders (created_at, customer_id, status);
