-- Keep the query; index the expression it compares.
CREATE INDEX products_color_idx ON products ((attrs ->> 'color'));
SELECT id, sku FROM products
WHERE attrs ->> 'color' = 'oak' AND attrs ->> 'material' = 'steel'
ORDER BY id;
