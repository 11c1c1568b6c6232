with recursive ok_chain (id, db, kind, finished_at, depth) as (
  select id, db, kind, finished_at, 1
  from backup_runs
  where base_id is null and status = 'ok' and finished_at <= '2024-03-08T12:00:00Z'
  union all
  select child.id, child.db, child.kind, child.finished_at, parent.depth + 1
  from ok_chain parent
  join backup_runs child on child.base_id = parent.id
  where child.status = 'ok' and child.finished_at <= '2024-03-08T12:00:00Z'
), ranked as (
  select *, row_number() over (partition by db order by finished_at desc) as rn
  from ok_chain
)
select db, id as restore_from, kind, depth as pieces
from ranked
where rn = 1
order by db;
