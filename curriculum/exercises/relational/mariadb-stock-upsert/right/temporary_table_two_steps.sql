CREATE TEMPORARY TABLE delivery (sku VARCHAR(20) PRIMARY KEY, total INT NOT NULL);
INSERT INTO delivery SELECT sku, SUM(qty) FROM stock_arrivals GROUP BY sku;

UPDATE inventory JOIN delivery USING (sku) SET inventory.stock = inventory.stock + delivery.total;
INSERT INTO inventory (sku, stock)
SELECT d.sku, d.total FROM delivery d
WHERE NOT EXISTS (SELECT 1 FROM inventory i WHERE i.sku = d.sku);
