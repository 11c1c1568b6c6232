-- Without a window: add up the earlier orders of the same month for each order.
SELECT o.order_id, o.placed_on, o.total,
       (SELECT sum(p.total)
          FROM orders p
         WHERE date_trunc('month', p.placed_on) = date_trunc('month', o.placed_on)
           AND (p.placed_on, p.order_id) <= (o.placed_on, o.order_id)) AS month_to_date
FROM orders o
ORDER BY o.placed_on, o.order_id;
