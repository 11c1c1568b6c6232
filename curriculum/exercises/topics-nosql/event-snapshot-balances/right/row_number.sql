with ranked as (
    select wallet_id, version, balance, closed,
           row_number() over (partition by wallet_id order by version desc) as rn
    from wallet_snapshots
), snap as (
    select wallet_id, version, balance, closed from ranked where rn = 1
), ids as (
    select distinct wallet_id from wallet_events
    union
    select distinct wallet_id from wallet_snapshots
), tail as (
    select e.wallet_id,
           sum(case e.event_type when 'Deposited' then e.amount when 'Withdrawn' then -e.amount else 0 end) as delta,
           max(e.version) as last_version,
           bool_or(e.event_type = 'Closed') as closed_later
    from wallet_events e
    left join snap s on s.wallet_id = e.wallet_id
    where e.version > coalesce(s.version, 0)
    group by e.wallet_id
)
select i.wallet_id,
       coalesce(s.balance, 0) + coalesce(t.delta, 0) as balance,
       coalesce(t.last_version, s.version) as version,
       coalesce(s.closed, false) or coalesce(t.closed_later, false) as closed
from ids i
left join snap s using (wallet_id)
left join tail t using (wallet_id)
order by i.wallet_id;
