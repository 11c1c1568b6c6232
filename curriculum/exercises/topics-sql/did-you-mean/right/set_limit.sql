SELECT set_limit(0.35);

SELECT product_id, name, round(similarity(name, 'expreso machne')::numeric, 2) AS score
FROM products
WHERE name % 'expreso machne'
ORDER BY 3 DESC, 1;
