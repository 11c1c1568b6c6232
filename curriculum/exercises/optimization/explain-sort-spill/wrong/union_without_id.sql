-- Dropping the id makes UNION collapse different orders with the same amount.
SELECT count(*), sum(total_cents)
FROM (SELECT total_cents FROM orders_2023 WHERE status = 'paid'
      UNION
      SELECT total_cents FROM orders_2024 WHERE status = 'paid') t;
