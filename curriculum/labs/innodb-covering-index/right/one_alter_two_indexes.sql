ALTER TABLE orders
    ADD INDEX recent (customer_id, placed_at, total_cents),
    ADD INDEX status_summary (customer_id, status);
