-- Join all orders, let FILTER decide which ones each aggregate sees.
SELECT c.customer_id, c.full_name,
       count(o.order_id) FILTER (WHERE o.status IN ('paid', 'shipped')) AS completed_orders,
       max(o.placed_on)  FILTER (WHERE o.status IN ('paid', 'shipped')) AS last_completed_on
FROM customers c
LEFT JOIN orders o ON o.customer_id = c.customer_id
GROUP BY c.customer_id
ORDER BY completed_orders DESC, c.customer_id;
