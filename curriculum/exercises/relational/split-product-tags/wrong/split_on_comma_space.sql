-- Assumes a comma is always followed by one space: 'Accessories,Cables' stays one tag.
CREATE TABLE product_tags (sku text REFERENCES products, tag text, PRIMARY KEY (sku, tag));
INSERT INTO product_tags
SELECT DISTINCT sku, trim(t) FROM products, regexp_split_to_table(tags, ', ') AS t WHERE trim(t) <> '';
ALTER TABLE products DROP COLUMN tags;
