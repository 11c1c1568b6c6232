-- UPDATE ... FROM with two matching deliveries applies only one of them; new SKUs are
-- inserted with their first delivery only.
UPDATE stock s SET qty = s.qty + d.qty FROM deliveries d WHERE d.sku = s.sku;
INSERT INTO stock (sku, qty)
SELECT DISTINCT ON (sku) sku, qty FROM deliveries d
WHERE NOT EXISTS (SELECT 1 FROM stock s WHERE s.sku = d.sku)
ORDER BY sku, delivery_id;
