-- Rank the candidates, keep the order from the rank.
SELECT product_id, name, score
FROM (
    SELECT product_id, name,
           round(similarity(name, 'expreso machne')::numeric, 2) AS score,
           similarity(name, 'expreso machne') AS sim,
           row_number() OVER (ORDER BY similarity(name, 'expreso machne') DESC, product_id) AS pos
    FROM products
) ranked
WHERE sim >= 0.35
ORDER BY pos;
