-- The new table is right, but the old column is still there to drift out of step.
CREATE TABLE product_tags (sku text REFERENCES products, tag text, PRIMARY KEY (sku, tag));
INSERT INTO product_tags
SELECT DISTINCT sku, trim(t) FROM products, regexp_split_to_table(tags, ',') AS t WHERE trim(t) <> '';
