-- Known SKUs only: the new product never appears.
UPDATE inventory i
JOIN (SELECT sku, SUM(qty) AS total FROM stock_arrivals GROUP BY sku) a ON a.sku = i.sku
SET i.stock = i.stock + a.total;
