-- The % operator with its default threshold (0.3): too many suggestions.
SELECT product_id, name, round(similarity(name, 'expreso machne')::numeric, 2) AS score
FROM products
WHERE name % 'expreso machne'
ORDER BY similarity(name, 'expreso machne') DESC, product_id;
