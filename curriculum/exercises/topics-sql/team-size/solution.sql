-- One row per (manager, someone below them): the anchor pairs each person with their direct
-- reports, the recursive part goes one level further down. Counting the pairs per manager
-- gives the team size; people without reports never appear as a manager in the pairs.
WITH RECURSIVE below (manager_id, member_id) AS (
    SELECT manager_id, id
    FROM employees
    WHERE manager_id IS NOT NULL
    UNION ALL
    SELECT b.manager_id, e.id
    FROM below b
    JOIN employees e ON e.manager_id = b.member_id
)
SELECT m.id AS employee_id, m.name, count(*) AS team_size
FROM below b
JOIN employees m ON m.id = b.manager_id
GROUP BY m.id, m.name
ORDER BY team_size DESC, employee_id;
