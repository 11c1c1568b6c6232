-- PARTITION BY the month restarts the sum; ORDER BY placed_on, order_id with a ROWS frame
-- adds the orders one at a time, so same-day orders get distinct running figures.
SELECT order_id,
       placed_on,
       total,
       sum(total) OVER (PARTITION BY date_trunc('month', placed_on)
                        ORDER BY placed_on, order_id
                        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS month_to_date
FROM orders
ORDER BY placed_on, order_id;
