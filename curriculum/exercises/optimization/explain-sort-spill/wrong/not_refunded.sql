-- "Paid" read as "not refunded".
SELECT count(*), sum(total_cents)
FROM (SELECT id, total_cents FROM orders_2023 WHERE status <> 'refunded'
      UNION ALL
      SELECT id, total_cents FROM orders_2024 WHERE status <> 'refunded') t;
