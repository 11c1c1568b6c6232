-- similarity() by hand: shared trigrams divided by all distinct trigrams of both strings.
WITH t AS (
    SELECT p.product_id, p.name, show_trgm(p.name) AS a, show_trgm('expreso machne') AS b
    FROM products p
),
s AS (
    SELECT product_id, name,
           (SELECT count(*) FROM (SELECT unnest(a) INTERSECT SELECT unnest(b)) x)::numeric
           / (SELECT count(*) FROM (SELECT unnest(a) UNION SELECT unnest(b)) y) AS sim
    FROM t
)
SELECT product_id, name, round(sim, 2) AS score
FROM s
WHERE sim >= 0.35
ORDER BY sim DESC, product_id;
