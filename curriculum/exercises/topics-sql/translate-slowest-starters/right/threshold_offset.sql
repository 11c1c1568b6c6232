-- Find the third value in SQL Server's order (NULL lowest), keep everyone at or above it.
WITH firsts AS (
    SELECT c.customer_id, c.first_name, c.last_name,
           coalesce((SELECT min(o.ordered_at) FROM orders o WHERE o.customer_id = c.customer_id)::date
                    - c.signed_up_at::date, -2147483648) AS sort_key
    FROM customers c
)
SELECT customer_id,
       first_name || ' ' || CASE WHEN last_name IS NULL THEN '(no surname)' ELSE last_name END,
       nullif(sort_key, -2147483648)
FROM firsts
WHERE sort_key >= coalesce((SELECT sort_key FROM firsts ORDER BY sort_key DESC OFFSET 2 LIMIT 1),
                           -2147483648);
