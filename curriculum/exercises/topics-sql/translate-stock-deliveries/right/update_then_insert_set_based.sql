-- Two set-based statements: update existing SKUs, then insert the new ones.
UPDATE stock s
SET qty = s.qty + t.total
FROM (SELECT sku, sum(qty) AS total FROM deliveries GROUP BY sku) t
WHERE t.sku = s.sku;

INSERT INTO stock (sku, qty)
SELECT d.sku, sum(d.qty)
FROM deliveries d
WHERE NOT EXISTS (SELECT 1 FROM stock s WHERE s.sku = d.sku)
GROUP BY d.sku;
