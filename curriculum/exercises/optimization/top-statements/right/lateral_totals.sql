SELECT q.queryid, t.calls, t.total, t.total / t.calls, 100 * t.total / g.all_time
FROM (SELECT DISTINCT queryid FROM pg_stat_statements) q
CROSS JOIN LATERAL (SELECT sum(calls) AS calls, sum(total_exec_time) AS total
                    FROM pg_stat_statements s WHERE s.queryid = q.queryid) t
CROSS JOIN (SELECT sum(total_exec_time) AS all_time FROM pg_stat_statements) g
ORDER BY t.total DESC, q.queryid
LIMIT 5;
