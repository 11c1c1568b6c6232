-- "Statuses might come in mixed case, so index lower(status)." The query compares status
-- itself, not lower(status), so only the customer_id part of this index is usable: 20,000
-- rows fetched, filtered and sorted.
CREATE INDEX orders_customer_lower_status_created_idx
    ON orders (customer_id, lower(status), created_at DESC);
