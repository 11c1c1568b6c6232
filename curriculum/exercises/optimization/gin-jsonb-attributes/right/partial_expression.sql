-- Only the oak products, keyed by material.
CREATE INDEX products_oak_material ON products ((attrs ->> 'material')) WHERE attrs ->> 'color' = 'oak';
SELECT p.id, p.sku FROM products p
WHERE p.attrs ->> 'color' = 'oak' AND p.attrs ->> 'material' = 'steel'
ORDER BY p.id;
