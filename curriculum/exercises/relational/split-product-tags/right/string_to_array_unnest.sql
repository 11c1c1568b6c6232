CREATE TABLE product_tags (
    sku text REFERENCES products,
    tag text,
    PRIMARY KEY (sku, tag)
);
INSERT INTO product_tags
SELECT DISTINCT sku, trim(t)
FROM products, unnest(string_to_array(tags, ',')) AS t
WHERE trim(t) <> '';
ALTER TABLE products DROP COLUMN tags;
