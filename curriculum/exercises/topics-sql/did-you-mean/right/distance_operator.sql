-- <-> is the trigram distance, 1 - similarity.
SELECT product_id, name, round((1 - (name <-> 'expreso machne'))::numeric, 2) AS score
FROM products
WHERE name <-> 'expreso machne' <= 0.65
ORDER BY name <-> 'expreso machne', product_id;
