SELECT count(*), sum(total_cents)
FROM (SELECT total_cents FROM orders_2023 WHERE status = 'paid'
      UNION ALL
      SELECT total_cents FROM orders_2024 WHERE status = 'paid') t;
