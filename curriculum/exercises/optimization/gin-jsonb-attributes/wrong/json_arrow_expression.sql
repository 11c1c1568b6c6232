-- Indexes attrs -> 'color' (jsonb), but the query compares attrs ->> 'color' (text).
CREATE INDEX products_color_json ON products ((attrs -> 'color'));
SELECT id, sku FROM products
WHERE attrs ->> 'color' = 'oak' AND attrs ->> 'material' = 'steel'
ORDER BY id;
