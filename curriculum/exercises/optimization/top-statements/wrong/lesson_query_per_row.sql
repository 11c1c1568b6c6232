-- One row per role: the same statement can appear twice, and its time is split.
SELECT queryid, calls, total_exec_time, mean_exec_time,
       100 * total_exec_time / sum(total_exec_time) OVER () AS pct
FROM pg_stat_statements
ORDER BY total_exec_time DESC, queryid
LIMIT 5;
