-- The UPDATE reports which SKUs it found; the INSERT takes the rest (one statement).
WITH totals AS (
    SELECT sku, sum(qty)::integer AS qty FROM deliveries GROUP BY sku
), updated AS (
    UPDATE stock s SET qty = s.qty + t.qty
    FROM totals t
    WHERE t.sku = s.sku
    RETURNING s.sku
)
INSERT INTO stock (sku, qty)
SELECT t.sku, t.qty FROM totals t
WHERE t.sku NOT IN (SELECT sku FROM updated);
