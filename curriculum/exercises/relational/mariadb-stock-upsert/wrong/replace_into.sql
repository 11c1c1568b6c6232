-- REPLACE deletes the old row: the old stock and the barcode are lost.
REPLACE INTO inventory (sku, stock)
SELECT sku, SUM(qty) FROM stock_arrivals GROUP BY sku;
