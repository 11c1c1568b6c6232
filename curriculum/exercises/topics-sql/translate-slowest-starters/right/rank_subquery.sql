SELECT customer_id, customer, days_to_first_order
FROM (
    SELECT c.customer_id,
           concat(c.first_name, ' ', coalesce(c.last_name, '(no surname)')) AS customer,
           min(o.ordered_at)::date - c.signed_up_at::date AS days_to_first_order,
           rank() OVER (ORDER BY min(o.ordered_at)::date - c.signed_up_at::date DESC NULLS LAST) AS rnk
    FROM customers c
    LEFT JOIN orders o ON o.customer_id = c.customer_id
    GROUP BY c.customer_id, c.first_name, c.last_name, c.signed_up_at
) t
WHERE rnk <= 3;
