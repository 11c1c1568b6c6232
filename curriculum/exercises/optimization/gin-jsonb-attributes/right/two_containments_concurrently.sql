CREATE INDEX CONCURRENTLY products_attrs_gin ON products USING gin (attrs);
SELECT id, sku FROM products
WHERE attrs @> jsonb_build_object('color', 'oak')
  AND attrs @> jsonb_build_object('material', 'steel')
ORDER BY id;
