WITH completed AS (
    SELECT customer_id, count(*) AS n, max(placed_on) AS last_on
    FROM orders
    WHERE status = 'paid' OR status = 'shipped'
    GROUP BY customer_id
)
SELECT cu.customer_id, cu.full_name, coalesce(co.n, 0) AS completed_orders, co.last_on
FROM customers AS cu
LEFT OUTER JOIN completed AS co ON co.customer_id = cu.customer_id
ORDER BY 3 DESC, 1;
