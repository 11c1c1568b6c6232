CREATE INDEX products_attrs_idx ON products USING gin (attrs);
SELECT id, sku FROM products
WHERE attrs @? '$ ? (@.color == "oak" && @.material == "steel")'
ORDER BY id;
