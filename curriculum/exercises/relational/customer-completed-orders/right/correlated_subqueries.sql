select c.customer_id,
       c.full_name,
       (select count(*) from orders o
         where o.customer_id = c.customer_id and o.status in ('paid', 'shipped')) as n,
       (select max(o.placed_on) from orders o
         where o.customer_id = c.customer_id and o.status in ('paid', 'shipped')) as last_on
from customers c
order by n desc, customer_id
