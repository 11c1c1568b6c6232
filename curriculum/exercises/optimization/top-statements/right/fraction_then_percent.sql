WITH s AS (
    SELECT queryid, sum(calls) AS calls, sum(total_exec_time) AS total,
           sum(total_exec_time) / sum(sum(total_exec_time)) OVER () AS fraction
    FROM pg_stat_statements GROUP BY queryid
)
SELECT queryid, calls, total, total / calls AS mean, fraction * 100 AS percent
FROM s
ORDER BY total DESC, queryid
LIMIT 5;
