SELECT queryid, calls, total_exec_time, mean_exec_time, left(query, 60) AS query
FROM pg_stat_statements
ORDER BY total_exec_time DESC
LIMIT 5;
