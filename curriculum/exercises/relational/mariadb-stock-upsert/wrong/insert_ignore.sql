-- Known SKUs are skipped: their stock never grows.
INSERT IGNORE INTO inventory (sku, stock)
SELECT sku, SUM(qty) FROM stock_arrivals GROUP BY sku;
