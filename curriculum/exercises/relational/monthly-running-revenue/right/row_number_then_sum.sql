-- Number the orders inside each month first, then a plain running sum over that number.
WITH numbered AS (
    SELECT order_id, placed_on, total,
           date_trunc('month', placed_on)::date AS month,
           row_number() OVER (PARTITION BY date_trunc('month', placed_on) ORDER BY placed_on, order_id) AS n
    FROM orders
)
SELECT order_id, placed_on, total,
       sum(total) OVER (PARTITION BY month ORDER BY n) AS month_to_date
FROM numbered
ORDER BY placed_on, order_id;
