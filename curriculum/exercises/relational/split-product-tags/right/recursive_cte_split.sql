-- Peel one tag at a time off the front of the list.
CREATE TABLE product_tags (sku text NOT NULL REFERENCES products, tag text NOT NULL, PRIMARY KEY (sku, tag));
INSERT INTO product_tags
WITH RECURSIVE peel (sku, piece, rest) AS (
    SELECT sku, split_part(tags, ',', 1), substr(tags, length(split_part(tags, ',', 1)) + 2)
    FROM products WHERE tags IS NOT NULL
  UNION ALL
    SELECT sku, split_part(rest, ',', 1), substr(rest, length(split_part(rest, ',', 1)) + 2)
    FROM peel WHERE rest <> ''
)
SELECT DISTINCT sku, trim(piece) FROM peel WHERE trim(piece) <> '';
ALTER TABLE products DROP COLUMN tags;
