-- Team size of every manager: everyone below them at any depth, not counting themself.
-- Columns: employee_id, name, team_size. Sort: team_size DESC, employee_id.
WITH RECURSIVE below (manager_id, member_id) AS (
    -- anchor: each person paired with their direct reports
    SELECT manager_id, id
    FROM employees
    WHERE manager_id IS NOT NULL
    -- UNION ALL
    -- recursive part: one level further down from the members found so far
)
SELECT manager_id AS employee_id, count(*) AS team_size
FROM below
GROUP BY manager_id
ORDER BY team_size DESC, employee_id;
