CREATE INDEX products_attrs_btree ON products (attrs);
SELECT id, sku FROM products WHERE attrs @> '{"color": "oak", "material": "steel"}' ORDER BY id;
