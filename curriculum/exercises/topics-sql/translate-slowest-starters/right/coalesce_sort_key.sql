-- Emulate "NULL is lowest" with a sort key instead of NULLS LAST.
SELECT customer_id, customer, days_to_first_order
FROM (
    SELECT c.customer_id,
           c.first_name || ' ' || coalesce(c.last_name, '(no surname)') AS customer,
           date_part('day', min(o.ordered_at)::date::timestamp - c.signed_up_at::date::timestamp)::int
               AS days_to_first_order
    FROM customers c
    LEFT JOIN orders o ON o.customer_id = c.customer_id
    GROUP BY c.customer_id, c.first_name, c.last_name, c.signed_up_at
) x
ORDER BY coalesce(days_to_first_order, -2147483648) DESC
FETCH FIRST 3 ROWS WITH TIES;
