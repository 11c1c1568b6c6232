CREATE TABLE product_tags (sku text REFERENCES products, tag text, PRIMARY KEY (sku, tag));
INSERT INTO product_tags
SELECT DISTINCT sku, t FROM products, regexp_split_to_table(tags, ',') AS t WHERE t <> '';
ALTER TABLE products DROP COLUMN tags;
