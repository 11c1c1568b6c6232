SELECT order_id, placed_on, total, SUM(total) OVER w
FROM orders
WINDOW w AS (PARTITION BY EXTRACT(YEAR FROM placed_on), EXTRACT(MONTH FROM placed_on)
             ORDER BY placed_on, order_id
             ROWS UNBOUNDED PRECEDING)
ORDER BY placed_on, order_id;
