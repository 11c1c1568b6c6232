-- Columns listed in another order; the total cast to a signed integer.
INSERT INTO inventory (stock, sku)
SELECT CAST(SUM(qty) AS SIGNED), sku
FROM stock_arrivals
GROUP BY sku
ON DUPLICATE KEY UPDATE stock = stock + VALUES(stock);
