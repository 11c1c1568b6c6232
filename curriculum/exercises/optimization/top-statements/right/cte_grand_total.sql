WITH per_statement AS (
    SELECT queryid, sum(calls) AS calls, sum(total_exec_time) AS total
    FROM pg_stat_statements
    GROUP BY queryid
), grand AS (
    SELECT sum(total_exec_time) AS total FROM pg_stat_statements
)
SELECT s.queryid, s.calls, s.total, s.total / s.calls, 100 * s.total / g.total
FROM per_statement s CROSS JOIN grand g
ORDER BY s.total DESC, s.queryid
LIMIT 5;
