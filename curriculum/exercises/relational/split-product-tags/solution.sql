CREATE TABLE product_tags (
    sku text NOT NULL REFERENCES products (sku),
    tag text NOT NULL CHECK (tag <> '' AND tag = btrim(tag)),
    PRIMARY KEY (sku, tag)
);
-- the key's index starts with sku; "products with this tag" needs one on tag
CREATE INDEX product_tags_tag_idx ON product_tags (tag);

-- One row per piece of the list; trimmed, empties dropped, duplicates removed.
INSERT INTO product_tags (sku, tag)
SELECT DISTINCT p.sku, btrim(piece)
FROM products p
CROSS JOIN LATERAL regexp_split_to_table(p.tags, ',') AS piece
WHERE btrim(piece) <> '';

ALTER TABLE products DROP COLUMN tags;
