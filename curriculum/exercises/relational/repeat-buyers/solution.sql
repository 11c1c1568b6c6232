-- WHERE filters single orders (status, year); HAVING filters customers (their count).
-- After the join to order_items there is one row per line, so orders are counted DISTINCT.
SELECT c.customer_id,
       c.full_name,
       count(DISTINCT o.order_id)        AS orders,
       sum(oi.quantity * oi.unit_price)  AS total
FROM customers c
JOIN orders o       ON o.customer_id = c.customer_id
JOIN order_items oi ON oi.order_id = o.order_id
WHERE o.status IN ('paid', 'shipped')
  AND o.placed_on >= DATE '2024-01-01'
  AND o.placed_on <  DATE '2025-01-01'
GROUP BY c.customer_id, c.full_name
HAVING count(DISTINCT o.order_id) >= 2
ORDER BY total DESC, c.customer_id;
