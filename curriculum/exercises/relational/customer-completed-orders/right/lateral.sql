SELECT c.customer_id, c.full_name, x.completed_orders, x.last_completed_on
FROM customers c
CROSS JOIN LATERAL (
    SELECT count(*) AS completed_orders, max(o.placed_on) AS last_completed_on
    FROM orders o
    WHERE o.customer_id = c.customer_id
      AND o.status IN ('paid', 'shipped')
) x
ORDER BY x.completed_orders DESC, c.customer_id ASC;
