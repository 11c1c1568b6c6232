-- Add every delivery to stock; create stock rows for new SKUs.
UPDATE stock s
SET qty = s.qty + d.qty
FROM deliveries d
WHERE d.sku = s.sku;
