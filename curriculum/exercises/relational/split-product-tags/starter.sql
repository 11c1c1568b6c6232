CREATE TABLE product_tags (
    sku text NOT NULL REFERENCES products (sku),
    tag text NOT NULL
    -- the key?
);

-- INSERT INTO product_tags (sku, tag) SELECT ... FROM products ...;

-- ALTER TABLE products DROP COLUMN tags;
