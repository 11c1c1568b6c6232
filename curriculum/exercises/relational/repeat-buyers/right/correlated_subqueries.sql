-- No GROUP BY at all: a filter and two scalar subqueries per customer.
SELECT * FROM (
    SELECT c.customer_id, c.full_name,
           (SELECT count(*) FROM orders o
             WHERE o.customer_id = c.customer_id AND o.status IN ('paid', 'shipped')
               AND date_part('year', o.placed_on) = 2024) AS orders,
           (SELECT sum(oi.quantity * oi.unit_price)
              FROM orders o JOIN order_items oi ON oi.order_id = o.order_id
             WHERE o.customer_id = c.customer_id AND o.status IN ('paid', 'shipped')
               AND date_part('year', o.placed_on) = 2024) AS total
    FROM customers c
) per_customer
WHERE orders >= 2
ORDER BY total DESC, customer_id;
