select queryid,
       sum(calls)::bigint as calls,
       sum(total_exec_time)::numeric as total_ms,
       (sum(total_exec_time) / sum(calls))::numeric as mean_ms,
       (sum(total_exec_time) / (select sum(total_exec_time) from pg_stat_statements) * 100)::numeric as share
from pg_stat_statements
group by queryid
order by sum(total_exec_time) desc, queryid asc
fetch first 5 rows only;
