CREATE INDEX products_attrs_path ON products USING gin (attrs jsonb_path_ops);
SELECT id, sku FROM products
WHERE attrs ? 'color' AND attrs ->> 'color' = 'oak' AND attrs ->> 'material' = 'steel'
ORDER BY id;
