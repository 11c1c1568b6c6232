-- Aggregate each year, then add the two partial results.
SELECT sum(n) AS orders, sum(revenue) AS revenue_cents
FROM (
    SELECT count(*) AS n, sum(total_cents) AS revenue FROM orders_2023 WHERE status = 'paid'
    UNION ALL
    SELECT count(*), sum(total_cents) FROM orders_2024 WHERE status = 'paid'
) AS per_year;
