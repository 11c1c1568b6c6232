-- A tag repeated inside one product's list breaks the key, and the script stops.
CREATE TABLE product_tags (sku text REFERENCES products, tag text, PRIMARY KEY (sku, tag));
INSERT INTO product_tags
SELECT sku, trim(t) FROM products, regexp_split_to_table(tags, ',') AS t WHERE trim(t) <> '';
ALTER TABLE products DROP COLUMN tags;
