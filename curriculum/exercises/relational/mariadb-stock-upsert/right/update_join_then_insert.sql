-- Two statements: a multi-table UPDATE for the known SKUs, then an anti-join INSERT for new ones.
UPDATE inventory i
JOIN (SELECT sku, SUM(qty) AS total FROM stock_arrivals GROUP BY sku) a ON a.sku = i.sku
SET i.stock = i.stock + a.total;

INSERT INTO inventory (sku, stock)
SELECT a.sku, SUM(a.qty)
FROM stock_arrivals a
LEFT JOIN inventory i ON i.sku = a.sku
WHERE i.sku IS NULL
GROUP BY a.sku;
