-- Breaks same-day ties by physical row order (ROWS frame, no tie-breaker): arbitrary.
SELECT order_id, placed_on, total,
       sum(total) OVER (PARTITION BY date_trunc('month', placed_on) ORDER BY placed_on
                        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS month_to_date
FROM orders
ORDER BY placed_on, order_id;
