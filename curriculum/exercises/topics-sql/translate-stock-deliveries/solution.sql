-- One change per SKU: sum the batch first, then upsert atomically.
INSERT INTO stock (sku, qty)
SELECT sku, sum(qty)
FROM deliveries
GROUP BY sku
ON CONFLICT (sku) DO UPDATE SET qty = stock.qty + EXCLUDED.qty;
