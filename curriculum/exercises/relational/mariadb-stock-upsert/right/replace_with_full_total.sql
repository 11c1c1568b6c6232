-- REPLACE is safe here only because the new row carries the old stock and barcode too
-- (and nothing references inventory); the lesson explains why it is usually not an upsert.
CREATE TEMPORARY TABLE booked AS
SELECT a.sku, i.barcode, COALESCE(i.stock, 0) + SUM(a.qty) AS stock
FROM stock_arrivals a
LEFT JOIN inventory i ON i.sku = a.sku
GROUP BY a.sku, i.barcode, i.stock;

REPLACE INTO inventory (sku, barcode, stock)
SELECT sku, barcode, stock FROM booked;
