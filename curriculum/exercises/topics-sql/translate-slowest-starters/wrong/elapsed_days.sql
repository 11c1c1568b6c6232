-- Whole 24-hour days elapsed, not midnights crossed.
SELECT c.customer_id,
       c.first_name || ' ' || coalesce(c.last_name, '(no surname)') AS customer,
       extract(day FROM min(o.ordered_at) - c.signed_up_at)::integer AS days_to_first_order
FROM customers c
LEFT JOIN orders o ON o.customer_id = c.customer_id
GROUP BY c.customer_id, c.first_name, c.last_name, c.signed_up_at
ORDER BY days_to_first_order DESC NULLS LAST
FETCH FIRST 3 ROWS WITH TIES;
