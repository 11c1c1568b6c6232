-- Book every arrival into inventory: add to known SKUs, insert new ones.
INSERT INTO inventory (sku, stock)
SELECT sku, qty
FROM stock_arrivals;
