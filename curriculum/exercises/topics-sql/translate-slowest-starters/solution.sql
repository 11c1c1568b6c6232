SELECT c.customer_id,
       c.first_name || ' ' || coalesce(c.last_name, '(no surname)') AS customer,
       min(o.ordered_at)::date - c.signed_up_at::date               AS days_to_first_order
FROM customers c
LEFT JOIN orders o ON o.customer_id = c.customer_id
GROUP BY c.customer_id, c.first_name, c.last_name, c.signed_up_at
ORDER BY days_to_first_order DESC NULLS LAST       -- SQL Server sorts NULL lowest
FETCH FIRST 3 ROWS WITH TIES;
