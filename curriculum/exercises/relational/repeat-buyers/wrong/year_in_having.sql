-- The year test moved to HAVING: it now asks whether the customer's LATEST order is from 2024.
SELECT c.customer_id, c.full_name, count(DISTINCT o.order_id) AS orders, sum(oi.quantity * oi.unit_price) AS total
FROM customers c
JOIN orders o       ON o.customer_id = c.customer_id
JOIN order_items oi ON oi.order_id = o.order_id
WHERE o.status IN ('paid', 'shipped')
GROUP BY c.customer_id
HAVING count(DISTINCT o.order_id) >= 2 AND max(o.placed_on) >= '2024-01-01'
ORDER BY total DESC, c.customer_id;
