-- Compute the new stock for every SKU from old stock plus deliveries, then write it back.
CREATE TEMP TABLE new_stock AS
SELECT sku, sum(qty)::integer AS qty
FROM (SELECT sku, qty FROM stock
      UNION ALL
      SELECT sku, qty FROM deliveries) all_rows
GROUP BY sku;

INSERT INTO stock AS s (sku, qty)
SELECT sku, qty FROM new_stock
ON CONFLICT (sku) DO UPDATE SET qty = EXCLUDED.qty
WHERE s.qty IS DISTINCT FROM EXCLUDED.qty;
