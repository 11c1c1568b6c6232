SELECT count(*), sum(total_cents)
FROM (SELECT DISTINCT id, total_cents
      FROM (SELECT id, total_cents FROM orders_2023 WHERE status = 'paid'
            UNION ALL
            SELECT id, total_cents FROM orders_2024 WHERE status = 'paid') u) t;
