select c.customer_id, c.full_name, count(*) as orders, sum(t.order_value) as total
from orders o
join (select order_id, sum(quantity * unit_price) as order_value
        from order_items
       group by order_id) t on t.order_id = o.order_id
join customers c on c.customer_id = o.customer_id
where date_trunc('year', o.placed_on) = date '2024-01-01'
  and o.status = any ('{paid,shipped}')
group by c.customer_id, c.full_name
having count(*) >= 2
order by total desc, c.customer_id
