-- Defensive version: the CYCLE clause guards against loops, and distinct members are counted.
WITH RECURSIVE reach (top_id, member_id) AS (
    SELECT e.manager_id, e.id
    FROM employees e
    WHERE e.manager_id IS NOT NULL
    UNION ALL
    SELECT r.top_id, e.id
    FROM reach r
    JOIN employees e ON e.manager_id = r.member_id
) CYCLE member_id SET looped USING trail
SELECT mgr.id AS employee_id, mgr.name, count(DISTINCT r.member_id) AS team_size
FROM employees mgr
JOIN reach r ON r.top_id = mgr.id
WHERE NOT r.looped
GROUP BY mgr.id, mgr.name
ORDER BY team_size DESC, employee_id;
