SELECT count(*) FILTER (WHERE status = 'paid'),
       sum(total_cents) FILTER (WHERE status = 'paid')
FROM (TABLE orders_2023 UNION ALL TABLE orders_2024) AS o;
