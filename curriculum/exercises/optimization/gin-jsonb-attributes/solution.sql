-- A GIN index on the whole attribute bag, and the filter written as containment, an operator
-- the index's operator class serves. jsonb_path_ops is the smaller GIN class for @>.
CREATE INDEX products_attrs_gin ON products USING gin (attrs jsonb_path_ops);
SELECT id, sku FROM products
WHERE attrs @> '{"color": "oak", "material": "steel"}'
ORDER BY id;
