SELECT product_id, name, round(similarity(name, 'expreso machne')::numeric, 2) AS score
FROM products
WHERE similarity(name, 'expreso machne') >= 0.35
ORDER BY product_id;
