-- PostgreSQL translation of the T-SQL report (same rows, same values).
SELECT c.customer_id,
       c.first_name || ' ' || c.last_name AS customer,
       min(o.ordered_at) - c.signed_up_at AS days_to_first_order
FROM customers c
LEFT JOIN orders o ON o.customer_id = c.customer_id
GROUP BY c.customer_id, c.first_name, c.last_name, c.signed_up_at
ORDER BY days_to_first_order DESC
LIMIT 3;
