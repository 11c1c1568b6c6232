SELECT (SELECT count(*) FROM orders_2023 WHERE status = 'paid')
     + (SELECT count(*) FROM orders_2024 WHERE status = 'paid') AS orders,
       (SELECT sum(total_cents) FROM orders_2023 WHERE status = 'paid')
     + (SELECT sum(total_cents) FROM orders_2024 WHERE status = 'paid') AS revenue_cents;
