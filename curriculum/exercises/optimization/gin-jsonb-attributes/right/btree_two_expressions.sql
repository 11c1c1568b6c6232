CREATE INDEX products_color_material_idx ON products ((attrs ->> 'color'), (attrs ->> 'material'));
SELECT id, sku FROM products
WHERE attrs ->> 'material' = 'steel' AND attrs ->> 'color' = 'oak'
ORDER BY id;
