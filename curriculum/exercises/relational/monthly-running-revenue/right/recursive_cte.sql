-- A recursive walk through the orders in sequence, resetting when the month changes.
WITH RECURSIVE seq AS (
    SELECT order_id, placed_on, total,
           row_number() OVER (ORDER BY placed_on, order_id) AS n
    FROM orders
),
walk AS (
    SELECT n, order_id, placed_on, total, total::numeric AS month_to_date
    FROM seq WHERE n = 1
  UNION ALL
    SELECT s.n, s.order_id, s.placed_on, s.total,
           CASE WHEN date_trunc('month', s.placed_on) = date_trunc('month', w.placed_on)
                THEN w.month_to_date + s.total ELSE s.total END
    FROM walk w JOIN seq s ON s.n = w.n + 1
)
SELECT order_id, placed_on, total, month_to_date
FROM walk
ORDER BY n;
