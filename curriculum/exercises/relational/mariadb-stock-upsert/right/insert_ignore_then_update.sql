-- Create any missing SKU at 0 first (INSERT IGNORE skips the ones that exist), then add.
INSERT IGNORE INTO inventory (sku, stock)
SELECT DISTINCT sku, 0 FROM stock_arrivals;

UPDATE inventory
SET stock = stock + (SELECT SUM(a.qty) FROM stock_arrivals a WHERE a.sku = inventory.sku)
WHERE sku IN (SELECT sku FROM stock_arrivals);
