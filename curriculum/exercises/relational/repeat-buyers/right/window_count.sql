-- Count each customer's qualifying orders with a window, keep customers with two or more.
WITH qualifying AS (
    SELECT o.customer_id, o.order_id,
           count(*) OVER (PARTITION BY o.customer_id) AS n_orders
    FROM orders o
    WHERE o.status IN ('paid', 'shipped')
      AND o.placed_on >= '2024-01-01' AND o.placed_on < '2025-01-01'
)
SELECT q.customer_id, c.full_name, max(q.n_orders) AS orders,
       sum(oi.quantity * oi.unit_price) AS total
FROM qualifying q
JOIN customers c    ON c.customer_id = q.customer_id
JOIN order_items oi ON oi.order_id = q.order_id
WHERE q.n_orders >= 2
GROUP BY q.customer_id, c.full_name
ORDER BY total DESC, q.customer_id;
