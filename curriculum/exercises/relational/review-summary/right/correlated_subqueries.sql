select p.sku,
       (select count(*) from reviews r where r.product_id = p.product_id) as reviews,
       (select count(*) from reviews r where r.product_id = p.product_id and r.rating is not null) as rated,
       (select round(avg(r.rating), 2) from reviews r where r.product_id = p.product_id) as avg_rating
from products p
order by reviews desc, p.sku;
