SELECT id, sku FROM products
WHERE attrs ->> 'color' = 'oak' AND attrs ->> 'material' = 'steel'
ORDER BY id;
