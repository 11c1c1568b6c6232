-- Lower-casing changes nothing (pg_trgm already ignores case), but it does no harm.
SELECT product_id, name,
       round(CAST(similarity(lower(name), lower('Expreso Machne')) AS numeric), 2) AS score
FROM products
WHERE similarity(lower(name), 'expreso machne') >= 0.35
ORDER BY score DESC, product_id;
