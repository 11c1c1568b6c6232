-- Counts direct reports only: misses people further down.
SELECT m.id AS employee_id, m.name, count(*) AS team_size
FROM employees m
JOIN employees r ON r.manager_id = m.id
GROUP BY m.id, m.name
ORDER BY team_size DESC, employee_id;
