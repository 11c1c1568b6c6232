SELECT c.customer_id,
       c.first_name || ' ' || coalesce(c.last_name, '(no surname)') AS customer,
       f.first_at::date - c.signed_up_at::date AS days_to_first_order
FROM customers c
LEFT JOIN LATERAL (
    SELECT o.ordered_at AS first_at
    FROM orders o
    WHERE o.customer_id = c.customer_id
    ORDER BY o.ordered_at
    LIMIT 1
) f ON true
ORDER BY days_to_first_order DESC NULLS LAST
FETCH FIRST 3 ROWS WITH TIES;
