-- Equality only, so a hash index on the extracted color is enough.
CREATE INDEX products_color_hash ON products USING hash ((attrs ->> 'color'));
ANALYZE products;
SELECT id, sku FROM products WHERE (attrs ->> 'color') = 'oak' AND (attrs ->> 'material') = 'steel' ORDER BY id;
