-- The mean from the rows' means, weighted by their calls: the same number as total / calls.
SELECT queryid,
       sum(calls) AS calls,
       sum(total_exec_time) AS total_exec_time,
       sum(mean_exec_time * calls) / sum(calls) AS mean_exec_time,
       round((100 * sum(total_exec_time) / sum(sum(total_exec_time)) OVER ())::numeric, 10) AS pct
FROM pg_stat_statements
GROUP BY queryid
ORDER BY sum(total_exec_time) DESC, queryid
LIMIT 5;
