-- One row per customer picked with DISTINCT ON; the count comes from a window over the customer.
WITH joined AS (
    SELECT c.customer_id, c.full_name, o.order_id, o.placed_on,
           count(o.order_id) OVER (PARTITION BY c.customer_id) AS completed_orders
    FROM customers c
    LEFT JOIN (SELECT * FROM orders WHERE status = ANY (ARRAY['paid', 'shipped'])) o
           ON o.customer_id = c.customer_id
),
latest AS (
    SELECT DISTINCT ON (customer_id) customer_id, full_name, completed_orders, placed_on
    FROM joined
    ORDER BY customer_id, placed_on DESC NULLS LAST
)
SELECT customer_id, full_name, completed_orders, placed_on AS last_completed_on
FROM latest
ORDER BY completed_orders DESC, customer_id;
