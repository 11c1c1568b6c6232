-- UNION ALL, then de-duplicated anyway.
SELECT count(DISTINCT id), sum(total_cents)
FROM (SELECT id, total_cents FROM orders_2023 WHERE status = 'paid'
      UNION ALL
      SELECT id, total_cents FROM orders_2024 WHERE status = 'paid') t;
