-- Walk up from every employee to the top; every manager met on the way has them in their team.
WITH RECURSIVE up AS (
    SELECT id AS member, manager_id AS boss
    FROM employees
    WHERE manager_id IS NOT NULL
    UNION ALL
    SELECT up.member, e.manager_id
    FROM up
    JOIN employees e ON e.id = up.boss
    WHERE e.manager_id IS NOT NULL
)
SELECT boss AS employee_id,
       (SELECT name FROM employees WHERE id = boss) AS name,
       count(*) AS team_size
FROM up
GROUP BY boss
ORDER BY 3 DESC, 1;
