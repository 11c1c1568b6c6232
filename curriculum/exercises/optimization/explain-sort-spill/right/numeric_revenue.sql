select count(p.id) as paid_orders, sum(p.total_cents)::numeric as revenue
from (select id, total_cents, status from orders_2023
      union all
      select id, total_cents, status from orders_2024) p
where p.status = 'paid';
