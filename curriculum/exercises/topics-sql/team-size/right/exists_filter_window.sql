-- Depth-tracked walk per manager, counted with a window, managers picked with EXISTS.
WITH RECURSIVE descendants AS (
    SELECT m.id AS boss, r.id AS person, 1 AS depth
    FROM employees m
    JOIN employees r ON r.manager_id = m.id
    UNION ALL
    SELECT d.boss, e.id, d.depth + 1
    FROM descendants d
    JOIN employees e ON e.manager_id = d.person
),
sized AS (
    SELECT DISTINCT boss, count(*) OVER (PARTITION BY boss) AS team_size
    FROM descendants
)
SELECT e.id AS employee_id, e.name, s.team_size
FROM employees e
JOIN sized s ON s.boss = e.id
WHERE EXISTS (SELECT 1 FROM employees r WHERE r.manager_id = e.id)
ORDER BY s.team_size DESC, e.id;
