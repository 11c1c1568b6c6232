-- Statements are identified by queryid: add up each one's rows (one per role and database),
-- rank by total time, and take the share of the grand total before keeping five.
SELECT queryid,
       sum(calls) AS calls,
       sum(total_exec_time) AS total_ms,
       sum(total_exec_time) / sum(calls) AS mean_ms,
       100 * sum(total_exec_time) / sum(sum(total_exec_time)) OVER () AS pct_of_total
FROM pg_stat_statements
GROUP BY queryid
ORDER BY total_ms DESC, queryid
LIMIT 5;
