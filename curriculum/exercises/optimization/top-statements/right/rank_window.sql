SELECT queryid, calls, total, mean, pct
FROM (
    SELECT queryid, sum(calls) AS calls, sum(total_exec_time) AS total,
           sum(total_exec_time) / sum(calls) AS mean,
           100 * sum(total_exec_time) / sum(sum(total_exec_time)) OVER () AS pct,
           row_number() OVER (ORDER BY sum(total_exec_time) DESC, queryid) AS position
    FROM pg_stat_statements
    GROUP BY queryid
) ranked
WHERE position <= 5
ORDER BY position;
