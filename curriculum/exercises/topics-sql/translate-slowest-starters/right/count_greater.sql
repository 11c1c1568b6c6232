-- WITH TIES by definition: fewer than three customers come strictly before this one
-- (SQL Server order: larger numbers first, NULLs after every number).
WITH d AS (
    SELECT c.customer_id,
           c.first_name || ' ' || coalesce(c.last_name, '(no surname)') AS customer,
           min(o.ordered_at)::date - c.signed_up_at::date AS days_to_first_order
    FROM customers c
    LEFT JOIN orders o ON o.customer_id = c.customer_id
    GROUP BY c.customer_id, c.first_name, c.last_name, c.signed_up_at
)
SELECT d1.*
FROM d d1
WHERE (SELECT count(*) FROM d d2
       WHERE d2.days_to_first_order > d1.days_to_first_order
          OR (d1.days_to_first_order IS NULL AND d2.days_to_first_order IS NOT NULL)) < 3;
