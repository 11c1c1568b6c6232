select o.order_id, o.placed_on, o.total, sum(p.total) as month_to_date
from orders o
join orders p
  on to_char(p.placed_on, 'YYYY-MM') = to_char(o.placed_on, 'YYYY-MM')
 and (p.placed_on < o.placed_on or (p.placed_on = o.placed_on and p.order_id <= o.order_id))
group by o.order_id, o.placed_on, o.total
order by 2, 1
