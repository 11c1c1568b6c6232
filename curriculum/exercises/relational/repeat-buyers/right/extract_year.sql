SELECT c.customer_id, c.full_name,
       COUNT(DISTINCT o.order_id) AS orders,
       SUM(i.quantity * i.unit_price) AS total
FROM customers AS c
INNER JOIN orders AS o ON o.customer_id = c.customer_id
INNER JOIN order_items AS i ON i.order_id = o.order_id
WHERE EXTRACT(YEAR FROM o.placed_on) = 2024
  AND o.status <> 'pending' AND o.status <> 'cancelled'
GROUP BY c.customer_id, c.full_name
HAVING COUNT(DISTINCT o.order_id) > 1
ORDER BY 4 DESC, 1;
