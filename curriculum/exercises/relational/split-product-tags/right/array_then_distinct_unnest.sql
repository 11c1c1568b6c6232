-- Build a clean array per product first, then one row per element.
CREATE TABLE product_tags (sku text REFERENCES products, tag text CHECK (tag <> ''), PRIMARY KEY (sku, tag));
WITH cleaned AS (
    SELECT sku,
           ARRAY(SELECT DISTINCT btrim(x) FROM unnest(string_to_array(tags, ',')) x WHERE btrim(x) <> '') AS tag_list
    FROM products
)
INSERT INTO product_tags (sku, tag)
SELECT sku, unnest(tag_list) FROM cleaned;
ALTER TABLE products DROP COLUMN tags;
