-- All orders joined; each aggregate sees only the qualifying rows through FILTER.
SELECT c.customer_id, c.full_name,
       count(DISTINCT o.order_id) FILTER (WHERE o.status IN ('paid', 'shipped')
                                           AND extract(year FROM o.placed_on) = 2024) AS orders,
       sum(oi.quantity * oi.unit_price) FILTER (WHERE o.status IN ('paid', 'shipped')
                                                AND extract(year FROM o.placed_on) = 2024) AS total
FROM customers c
JOIN orders o       ON o.customer_id = c.customer_id
JOIN order_items oi ON oi.order_id = o.order_id
GROUP BY c.customer_id
HAVING count(DISTINCT o.order_id) FILTER (WHERE o.status IN ('paid', 'shipped')
                                           AND extract(year FROM o.placed_on) = 2024) >= 2
ORDER BY total DESC, c.customer_id;
