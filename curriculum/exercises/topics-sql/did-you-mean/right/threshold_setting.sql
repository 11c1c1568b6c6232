-- Set the % operator's threshold for this session, then use the operator.
SET pg_trgm.similarity_threshold = 0.35;

SELECT product_id, name, round(similarity(name, 'expreso machne')::numeric, 2) AS score
FROM products
WHERE name % 'expreso machne'
ORDER BY similarity(name, 'expreso machne') DESC, product_id;
