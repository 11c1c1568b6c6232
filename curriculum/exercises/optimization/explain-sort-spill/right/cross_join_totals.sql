SELECT a.n + b.n AS orders, a.s + b.s AS revenue_cents
FROM (SELECT count(*) AS n, sum(total_cents) AS s FROM orders_2023 WHERE status = 'paid') a
CROSS JOIN (SELECT count(*) AS n, sum(total_cents) AS s FROM orders_2024 WHERE status = 'paid') b;
