-- Customers with completed orders, plus the rest with 0 and NULL.
SELECT customer_id, full_name, completed_orders, last_completed_on
FROM (
    SELECT c.customer_id, c.full_name, count(*) AS completed_orders, max(o.placed_on) AS last_completed_on
    FROM customers c
    JOIN orders o ON o.customer_id = c.customer_id
    WHERE o.status IN ('paid', 'shipped')
    GROUP BY c.customer_id, c.full_name
    UNION ALL
    SELECT c.customer_id, c.full_name, 0, NULL::date
    FROM customers c
    WHERE NOT EXISTS (SELECT 1 FROM orders o
                      WHERE o.customer_id = c.customer_id AND o.status IN ('paid', 'shipped'))
) AS t
ORDER BY completed_orders DESC, customer_id;
