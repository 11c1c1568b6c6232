SELECT c.customer_id, c.full_name, count(DISTINCT o.order_id) AS orders, sum(oi.quantity * oi.unit_price) AS total
FROM customers c
JOIN orders o       ON o.customer_id = c.customer_id
JOIN order_items oi ON oi.order_id = o.order_id
WHERE o.status <> 'cancelled' AND extract(year FROM o.placed_on) = 2024
GROUP BY c.customer_id
HAVING count(DISTINCT o.order_id) >= 2
ORDER BY total DESC, c.customer_id;
