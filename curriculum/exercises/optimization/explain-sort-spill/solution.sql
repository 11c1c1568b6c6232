-- The branches cannot overlap (an order lives in one table), so keep every row: UNION ALL
-- appends the two scans and the aggregate reads them as they come, no Sort, no temp files.
SELECT count(*) AS orders, sum(total_cents) AS revenue_cents
FROM (
    SELECT id, total_cents FROM orders_2023 WHERE status = 'paid'
    UNION ALL
    SELECT id, total_cents FROM orders_2024 WHERE status = 'paid'
) AS paid;
