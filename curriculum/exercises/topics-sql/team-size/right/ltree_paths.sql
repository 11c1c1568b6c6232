-- ltree paths built on the fly; a descendant's path is contained in (<@) the manager's.
WITH RECURSIVE tree AS (
    SELECT id, text2ltree(id::text) AS path
    FROM employees
    WHERE manager_id IS NULL
    UNION ALL
    SELECT e.id, t.path || e.id::text
    FROM employees e
    JOIN tree t ON e.manager_id = t.id
)
SELECT boss.id AS employee_id, emp.name, count(*) AS team_size
FROM tree boss
JOIN tree member ON member.path <@ boss.path AND member.id <> boss.id
JOIN employees emp ON emp.id = boss.id
GROUP BY boss.id, emp.name
ORDER BY count(*) DESC, boss.id;
