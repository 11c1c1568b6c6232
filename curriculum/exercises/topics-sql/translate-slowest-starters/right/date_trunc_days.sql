-- Midnights crossed = whole days between the two dates truncated to midnight.
SELECT c.customer_id,
       format('%s %s', c.first_name, coalesce(c.last_name, '(no surname)')) AS customer,
       extract(day FROM date_trunc('day', min(o.ordered_at)) - date_trunc('day', c.signed_up_at))::integer
           AS days_to_first_order
FROM customers c
LEFT JOIN orders o USING (customer_id)
GROUP BY c.customer_id, c.first_name, c.last_name, c.signed_up_at
ORDER BY days_to_first_order DESC NULLS LAST
FETCH FIRST 3 ROWS WITH TIES;
