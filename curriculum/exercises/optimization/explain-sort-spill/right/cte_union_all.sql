WITH paid AS (
    SELECT id, total_cents FROM orders_2023 WHERE status = 'paid'
    UNION ALL
    SELECT id, total_cents FROM orders_2024 WHERE status = 'paid'
)
SELECT count(*), sum(total_cents) FROM paid;
