-- One row per order first (no fan-out), then one row per customer.
WITH order_totals AS (
    SELECT o.order_id, o.customer_id, sum(oi.quantity * oi.unit_price) AS value
    FROM orders o
    JOIN order_items oi ON oi.order_id = o.order_id
    WHERE o.status IN ('paid', 'shipped')
      AND o.placed_on BETWEEN '2024-01-01' AND '2024-12-31'
    GROUP BY o.order_id, o.customer_id
)
SELECT c.customer_id, c.full_name, count(*) AS orders, sum(t.value) AS total
FROM customers c
JOIN order_totals t ON t.customer_id = c.customer_id
GROUP BY c.customer_id
HAVING count(*) >= 2
ORDER BY total DESC, c.customer_id;
