-- No GROUP BY: each carton is its own upsert row; a second carton of a new SKU collides with
-- the row the first one inserted and is added to it.
INSERT INTO inventory (sku, stock)
SELECT sku, qty FROM stock_arrivals ORDER BY arrival_id
ON DUPLICATE KEY UPDATE stock = stock + VALUES(stock);
