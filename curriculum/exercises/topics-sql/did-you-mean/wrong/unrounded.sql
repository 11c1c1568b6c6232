SELECT product_id, name, similarity(name, 'expreso machne') AS score
FROM products
WHERE similarity(name, 'expreso machne') >= 0.35
ORDER BY score DESC, product_id;
