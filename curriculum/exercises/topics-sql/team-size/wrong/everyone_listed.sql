-- Lists people without reports too, with a team of 0.
WITH RECURSIVE walk AS (
    SELECT id AS root_id, id AS person_id FROM employees
    UNION ALL
    SELECT w.root_id, e.id FROM walk w JOIN employees e ON e.manager_id = w.person_id
)
SELECT e.id AS employee_id, e.name, count(*) - 1 AS team_size
FROM walk w JOIN employees e ON e.id = w.root_id
GROUP BY e.id, e.name
ORDER BY team_size DESC, e.id;
