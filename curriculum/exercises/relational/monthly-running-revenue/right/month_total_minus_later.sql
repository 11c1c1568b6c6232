-- The month's full total minus what comes after this order in the month.
SELECT order_id, placed_on, total,
       sum(total) OVER m
       - coalesce(sum(total) OVER (m ORDER BY placed_on DESC, order_id DESC
                                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS month_to_date
FROM orders
WINDOW m AS (PARTITION BY date_trunc('month', placed_on))
ORDER BY placed_on, order_id;
