SELECT order_id, placed_on, total,
       sum(total) OVER (ORDER BY placed_on, order_id) AS month_to_date
FROM orders
ORDER BY placed_on, order_id;
