-- Forgets the IF @@ROWCOUNT = 0 branch: new SKUs never get a row.
UPDATE stock s
SET qty = s.qty + t.total
FROM (SELECT sku, sum(qty) AS total FROM deliveries GROUP BY sku) t
WHERE t.sku = s.sku;
