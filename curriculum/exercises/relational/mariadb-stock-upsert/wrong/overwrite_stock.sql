-- Sets the stock to the delivery instead of adding it.
INSERT INTO inventory (sku, stock)
SELECT sku, SUM(qty) FROM stock_arrivals GROUP BY sku
ON DUPLICATE KEY UPDATE stock = VALUES(stock);
