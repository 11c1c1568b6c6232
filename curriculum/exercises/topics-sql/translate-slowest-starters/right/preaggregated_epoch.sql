-- First order per customer computed separately; midnights counted via epoch seconds of
-- the truncated days.
WITH first_orders AS (
    SELECT customer_id, min(ordered_at) AS first_at
    FROM orders
    GROUP BY customer_id
),
report AS (
    SELECT c.customer_id,
           c.first_name || ' ' || coalesce(c.last_name, '(no surname)') AS customer,
           ((extract(epoch FROM date_trunc('day', f.first_at))
             - extract(epoch FROM date_trunc('day', c.signed_up_at))) / 86400)::integer AS days_to_first_order
    FROM customers c
    LEFT JOIN first_orders f ON f.customer_id = c.customer_id
)
SELECT customer_id, customer, days_to_first_order
FROM (SELECT r.*, rank() OVER (ORDER BY days_to_first_order DESC NULLS LAST) AS pos FROM report r) ranked
WHERE pos <= 3;
