START TRANSACTION;
INSERT INTO inventory (sku, stock)
SELECT sku, SUM(qty) AS arrived FROM stock_arrivals GROUP BY sku
ON DUPLICATE KEY UPDATE stock = IF(VALUES(stock) IS NULL, stock, stock + VALUES(stock));
COMMIT;
