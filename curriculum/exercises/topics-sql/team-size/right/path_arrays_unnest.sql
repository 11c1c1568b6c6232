-- Build each person's path from the top, then credit every ancestor on the path.
WITH RECURSIVE paths AS (
    SELECT id, ARRAY[]::integer[] AS ancestors
    FROM employees
    WHERE manager_id IS NULL
    UNION ALL
    SELECT e.id, p.ancestors || e.manager_id
    FROM employees e
    JOIN paths p ON e.manager_id = p.id
),
credits AS (
    SELECT unnest(ancestors) AS manager
    FROM paths
)
SELECT e.id AS employee_id, e.name, count(*) AS team_size
FROM credits c
JOIN employees e ON e.id = c.manager
GROUP BY e.id, e.name
ORDER BY team_size DESC, employee_id;
