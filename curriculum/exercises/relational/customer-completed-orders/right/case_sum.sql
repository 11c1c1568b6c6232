SELECT c.customer_id,
       c.full_name,
       SUM(CASE WHEN o.status IN ('paid', 'shipped') THEN 1 ELSE 0 END) AS completed_orders,
       MAX(CASE WHEN o.status IN ('paid', 'shipped') THEN o.placed_on END) AS last_completed_on
FROM customers c
LEFT JOIN orders o USING (customer_id)
GROUP BY c.customer_id, c.full_name
ORDER BY 3 DESC, c.customer_id;
