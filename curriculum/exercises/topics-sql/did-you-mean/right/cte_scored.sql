WITH scored AS (
    SELECT product_id, name, similarity(name, 'expreso machne') AS sim
    FROM products
)
SELECT product_id, name, round(sim::numeric, 2) AS score
FROM scored
WHERE sim >= 0.35
ORDER BY sim DESC, product_id;
