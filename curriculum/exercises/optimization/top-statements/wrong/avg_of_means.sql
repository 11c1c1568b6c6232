SELECT queryid, sum(calls), sum(total_exec_time), avg(mean_exec_time),
       100 * sum(total_exec_time) / sum(sum(total_exec_time)) OVER ()
FROM pg_stat_statements
GROUP BY queryid
ORDER BY sum(total_exec_time) DESC, queryid
LIMIT 5;
