insert into inventory (sku, barcode, stock)
select t.sku, null, t.total
from (select sku, sum(qty) as total from stock_arrivals group by sku) as t
on duplicate key update inventory.stock = inventory.stock + values(stock)
