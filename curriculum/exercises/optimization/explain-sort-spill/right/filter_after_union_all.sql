SELECT count(*) AS orders, sum(total_cents) AS revenue_cents
FROM (SELECT status, total_cents FROM orders_2023
      UNION ALL
      SELECT status, total_cents FROM orders_2024) AS all_orders
WHERE status = 'paid';
