-- Includes the manager in their own team.
WITH RECURSIVE walk AS (
    SELECT id AS root_id, id AS person_id FROM employees
    UNION ALL
    SELECT w.root_id, e.id FROM walk w JOIN employees e ON e.manager_id = w.person_id
)
SELECT e.id AS employee_id, e.name, count(*) AS team_size
FROM walk w JOIN employees e ON e.id = w.root_id
GROUP BY e.id, e.name
HAVING count(*) > 1
ORDER BY team_size DESC, e.id;
