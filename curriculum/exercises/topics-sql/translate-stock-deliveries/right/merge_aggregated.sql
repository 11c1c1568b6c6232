MERGE INTO stock s
USING (SELECT sku, sum(qty) AS qty FROM deliveries GROUP BY sku) d
ON s.sku = d.sku
WHEN MATCHED THEN UPDATE SET qty = s.qty + d.qty
WHEN NOT MATCHED THEN INSERT (sku, qty) VALUES (d.sku, d.qty);
