-- Another delivery: only new SKUs for some, many cartons of one SKU, an item at 0 stock.
DELETE FROM stock_arrivals;
DELETE FROM inventory;
INSERT INTO inventory VALUES
 ('AA-1', '0000000000001', 0),
 ('BB-2', NULL,            50),
 ('CC-3', '0000000000003', 7);
INSERT INTO stock_arrivals (sku, qty) VALUES
 ('AA-1', 1), ('AA-1', 1), ('AA-1', 1), ('AA-1', 2),
 ('ZZ-9', 40),
 ('DD-4', 6),
 ('CC-3', 1);
