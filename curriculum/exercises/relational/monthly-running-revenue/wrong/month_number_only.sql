-- Partitions by the month number: December 2023 and December 2024 run together.
SELECT order_id, placed_on, total,
       sum(total) OVER (PARTITION BY extract(month FROM placed_on) ORDER BY placed_on, order_id) AS month_to_date
FROM orders
ORDER BY placed_on, order_id;
