-- The first three rows, plus any row equal to the third.
WITH d AS (
    SELECT c.customer_id,
           c.first_name || ' ' || coalesce(c.last_name, '(no surname)') AS customer,
           min(o.ordered_at)::date - c.signed_up_at::date AS days_to_first_order,
           row_number() OVER (ORDER BY min(o.ordered_at)::date - c.signed_up_at::date DESC NULLS LAST) AS rn
    FROM customers c
    LEFT JOIN orders o ON o.customer_id = c.customer_id
    GROUP BY c.customer_id, c.first_name, c.last_name, c.signed_up_at
)
SELECT customer_id, customer, days_to_first_order
FROM d
WHERE rn <= 3
   OR days_to_first_order IS NOT DISTINCT FROM (SELECT days_to_first_order FROM d WHERE rn = 3);
