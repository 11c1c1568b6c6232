-- The share computed after the LIMIT: of the five, not of everything.
WITH top AS (
    SELECT queryid, sum(calls) AS calls, sum(total_exec_time) AS total
    FROM pg_stat_statements GROUP BY queryid
    ORDER BY total DESC, queryid LIMIT 5
)
SELECT queryid, calls, total, total / calls, 100 * total / sum(total) OVER ()
FROM top ORDER BY total DESC, queryid;
