-- order_id is unique, so ORDER BY placed_on, order_id has no peers and the default frame is enough.
SELECT order_id, placed_on, total,
       sum(total) OVER (PARTITION BY date_trunc('month', placed_on) ORDER BY placed_on, order_id) AS month_to_date
FROM orders
ORDER BY placed_on, order_id;
