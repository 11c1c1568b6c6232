-- Totals per year and status, then keep the paid ones.
SELECT sum(n) AS orders, sum(revenue) AS revenue_cents
FROM (
    SELECT status, count(*) AS n, sum(total_cents) AS revenue FROM orders_2023 GROUP BY status
    UNION ALL
    SELECT status, count(*), sum(total_cents) FROM orders_2024 GROUP BY status
) AS per_status
WHERE status = 'paid';
