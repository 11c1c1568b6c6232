-- ON CONFLICT cannot touch the same row twice in one statement: it fails on repeated SKUs.
INSERT INTO stock (sku, qty)
SELECT sku, qty FROM deliveries
ON CONFLICT (sku) DO UPDATE SET qty = stock.qty + EXCLUDED.qty;
