-- Sets the stock to the delivered amount instead of adding it.
INSERT INTO stock (sku, qty)
SELECT sku, sum(qty) FROM deliveries GROUP BY sku
ON CONFLICT (sku) DO UPDATE SET qty = EXCLUDED.qty;
