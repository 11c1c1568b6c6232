-- ORDER BY placed_on alone: the default RANGE frame adds every same-day order at once.
SELECT order_id, placed_on, total,
       sum(total) OVER (PARTITION BY date_trunc('month', placed_on) ORDER BY placed_on) AS month_to_date
FROM orders
ORDER BY placed_on, order_id;
