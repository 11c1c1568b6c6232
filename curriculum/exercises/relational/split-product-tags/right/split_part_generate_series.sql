-- The n-th piece with split_part, for n from 1 to the number of commas plus one.
CREATE TABLE product_tags (sku text, tag text, PRIMARY KEY (sku, tag), FOREIGN KEY (sku) REFERENCES products);
INSERT INTO product_tags (sku, tag)
SELECT sku, tag FROM (
    SELECT p.sku, trim(split_part(p.tags, ',', n)) AS tag
    FROM products p
    CROSS JOIN generate_series(1, length(p.tags) - length(replace(p.tags, ',', '')) + 1) AS n
) pieces
WHERE tag <> ''
GROUP BY sku, tag;
ALTER TABLE products DROP COLUMN tags;
