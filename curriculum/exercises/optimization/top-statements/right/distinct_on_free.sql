SELECT pss.queryid,
       SUM(pss.calls)                         AS calls,
       SUM(pss.total_exec_time)               AS total_time,
       SUM(pss.total_exec_time) / SUM(pss.calls) AS per_call,
       SUM(pss.total_exec_time) / MAX(g.grand) * 100 AS share
FROM pg_stat_statements AS pss,
     LATERAL (SELECT SUM(total_exec_time) AS grand FROM pg_stat_statements) AS g
GROUP BY pss.queryid
ORDER BY total_time DESC, pss.queryid
LIMIT 5;
