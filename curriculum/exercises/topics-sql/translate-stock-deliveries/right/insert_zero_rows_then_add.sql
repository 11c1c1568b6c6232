-- Make sure every delivered SKU has a row, then add all quantities in one UPDATE.
INSERT INTO stock (sku, qty)
SELECT DISTINCT sku, 0 FROM deliveries
ON CONFLICT (sku) DO NOTHING;

UPDATE stock
SET qty = qty + (SELECT sum(d.qty) FROM deliveries d WHERE d.sku = stock.sku)
WHERE sku IN (SELECT sku FROM deliveries);
