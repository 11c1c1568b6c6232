-- One upsert: total each SKU's cartons, insert new SKUs, add to the stock of known ones.
INSERT INTO inventory (sku, stock)
SELECT sku, SUM(qty)
FROM stock_arrivals
GROUP BY sku
ON DUPLICATE KEY UPDATE stock = stock + VALUES(stock);
