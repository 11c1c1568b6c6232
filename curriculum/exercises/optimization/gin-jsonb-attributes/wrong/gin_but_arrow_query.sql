CREATE INDEX products_attrs_gin ON products USING gin (attrs);
SELECT id, sku FROM products
WHERE attrs ->> 'color' = 'oak' AND attrs ->> 'material' = 'steel'
ORDER BY id;
