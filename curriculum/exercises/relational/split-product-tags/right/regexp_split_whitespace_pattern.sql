-- Split on the commas together with the spaces around them, then drop the empties.
CREATE TABLE product_tags (
    sku varchar(20) NOT NULL,
    tag varchar(50) NOT NULL,
    CONSTRAINT product_tags_key PRIMARY KEY (sku, tag),
    CONSTRAINT product_tags_product_fk FOREIGN KEY (sku) REFERENCES products (sku)
);
INSERT INTO product_tags (sku, tag)
SELECT DISTINCT sku, tag
FROM (SELECT sku, regexp_split_to_table(btrim(tags), '\s*,\s*') AS tag FROM products) s
WHERE tag <> '';
ALTER TABLE products DROP COLUMN IF EXISTS tags;
