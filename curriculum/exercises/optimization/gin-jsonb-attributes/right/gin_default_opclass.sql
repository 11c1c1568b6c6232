CREATE INDEX ON products USING gin (attrs);
SELECT id, sku FROM products WHERE attrs @> '{"color":"oak","material":"steel"}' ORDER BY id;
