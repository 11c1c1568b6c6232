SELECT queryid, sum(calls), round(sum(total_exec_time)::numeric), round((sum(total_exec_time) / sum(calls))::numeric, 2),
       round((100 * sum(total_exec_time) / sum(sum(total_exec_time)) OVER ())::numeric, 1)
FROM pg_stat_statements
GROUP BY queryid
ORDER BY sum(total_exec_time) DESC, queryid
LIMIT 5;
