SELECT p.product_id, p.name, round(x.sim::numeric, 2) AS score
FROM products p
CROSS JOIN (VALUES ('expreso machne', 0.35)) AS q(search, threshold)
CROSS JOIN LATERAL (SELECT similarity(p.name, q.search) AS sim) x
WHERE x.sim >= q.threshold
ORDER BY x.sim DESC, p.product_id;
