SELECT queryid,
       sum(calls),
       sum(total_exec_time),
       sum(total_exec_time) / sum(calls),
       sum(total_exec_time) * 100.0 / (SELECT sum(total_exec_time) FROM pg_stat_statements)
FROM pg_stat_statements
GROUP BY queryid
ORDER BY 3 DESC, 1
LIMIT 5;
