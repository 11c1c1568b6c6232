SELECT c.customer_id, c.full_name, count(o.order_id), max(o.placed_on)
FROM customers c
LEFT JOIN orders o ON o.customer_id = c.customer_id AND o.status IN ('paid', 'shipped')
GROUP BY c.customer_id
ORDER BY 3 DESC, c.full_name;
