SELECT c.customer_id, c.full_name, COUNT(o.order_id), MAX(o.placed_on)
FROM orders o
RIGHT JOIN customers c
        ON c.customer_id = o.customer_id
       AND o.status NOT IN ('pending', 'cancelled')
GROUP BY c.customer_id
ORDER BY COUNT(o.order_id) DESC, c.customer_id;
