SELECT count(*) AS orders, sum(total_cents) AS revenue_cents
FROM (
    SELECT id, total_cents FROM orders_2023 WHERE status = 'paid'
    UNION
    SELECT id, total_cents FROM orders_2024 WHERE status = 'paid'
) AS paid;
