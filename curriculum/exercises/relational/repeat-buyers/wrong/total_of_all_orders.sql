-- The count is filtered, but the total adds up every order the customer ever placed.
SELECT c.customer_id, c.full_name,
       (SELECT count(*) FROM orders o
         WHERE o.customer_id = c.customer_id AND o.status IN ('paid', 'shipped')
           AND extract(year FROM o.placed_on) = 2024) AS orders,
       (SELECT sum(oi.quantity * oi.unit_price) FROM orders o JOIN order_items oi USING (order_id)
         WHERE o.customer_id = c.customer_id) AS total
FROM customers c
WHERE (SELECT count(*) FROM orders o
        WHERE o.customer_id = c.customer_id AND o.status IN ('paid', 'shipped')
          AND extract(year FROM o.placed_on) = 2024) >= 2
ORDER BY total DESC, c.customer_id;
