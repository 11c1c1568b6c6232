-- Materialised paths as text ('/1/2/5/'), then "is below" is a prefix match.
WITH RECURSIVE tree AS (
    SELECT id, name, '/' || id || '/' AS path
    FROM employees
    WHERE manager_id IS NULL
    UNION ALL
    SELECT e.id, e.name, t.path || e.id || '/'
    FROM employees e
    JOIN tree t ON e.manager_id = t.id
)
SELECT m.id AS employee_id, m.name, count(*) AS team_size
FROM tree m
JOIN tree d ON d.path LIKE m.path || '%' AND d.id <> m.id
GROUP BY m.id, m.name
ORDER BY team_size DESC, employee_id;
