-- For every employee, a recursive count of their own subtree in a LATERAL subquery.
SELECT e.id AS employee_id, e.name, t.n AS team_size
FROM employees e
CROSS JOIN LATERAL (
    WITH RECURSIVE sub AS (
        SELECT id FROM employees WHERE manager_id = e.id
        UNION ALL
        SELECT c.id FROM employees c JOIN sub ON c.manager_id = sub.id
    )
    SELECT count(*) AS n FROM sub
) t
WHERE t.n > 0
ORDER BY t.n DESC, e.id;
