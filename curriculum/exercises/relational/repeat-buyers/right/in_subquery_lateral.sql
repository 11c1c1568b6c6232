SELECT c.customer_id, c.full_name, s.orders, s.total
FROM customers c,
LATERAL (
    SELECT count(DISTINCT o.order_id) AS orders, sum(oi.quantity * oi.unit_price) AS total
    FROM orders o JOIN order_items oi USING (order_id)
    WHERE o.customer_id = c.customer_id
      AND o.status IN ('paid', 'shipped')
      AND to_char(o.placed_on, 'YYYY') = '2024'
) s
WHERE s.orders >= 2
ORDER BY s.total DESC, c.customer_id;
