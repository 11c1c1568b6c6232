SELECT c.customer_id, c.full_name,
       count(o.order_id) FILTER (WHERE o.status IN ('paid', 'shipped')),
       max(o.placed_on)
FROM customers c
LEFT JOIN orders o ON o.customer_id = c.customer_id
GROUP BY c.customer_id
ORDER BY 3 DESC, 1;
