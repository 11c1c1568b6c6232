CREATE INDEX products_attrs_path_idx ON products USING gin (attrs jsonb_path_ops);
SELECT id, sku FROM products WHERE attrs @@ '$.color == "oak" && $.material == "steel"' ORDER BY id;
