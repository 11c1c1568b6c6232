-- Create a bare table, fill it, then add the key and the reference; all in one transaction.
BEGIN;
CREATE TABLE product_tags (sku TEXT NOT NULL, tag TEXT NOT NULL);
INSERT INTO product_tags (sku, tag)
SELECT p.sku, t.tag
FROM products AS p
CROSS JOIN LATERAL (
    SELECT DISTINCT regexp_replace(piece, '^\s+|\s+$', '', 'g') AS tag
    FROM regexp_split_to_table(coalesce(p.tags, ''), ',') AS piece
) AS t
WHERE t.tag <> '';
ALTER TABLE product_tags ADD PRIMARY KEY (sku, tag);
ALTER TABLE product_tags ADD FOREIGN KEY (sku) REFERENCES products (sku);
ALTER TABLE products DROP COLUMN tags;
COMMIT;
