ALTER TABLE orders ADD INDEX (customer_id, placed_at, total_cents, status);
