-- Counts cartons instead of adding their quantities.
INSERT INTO inventory (sku, stock)
SELECT sku, COUNT(*) FROM stock_arrivals GROUP BY sku
ON DUPLICATE KEY UPDATE stock = stock + VALUES(stock);
