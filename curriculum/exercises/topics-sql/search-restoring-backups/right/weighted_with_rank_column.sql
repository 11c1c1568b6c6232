-- A weighted document as a search page would build it; the rank is computed but only
-- the match decides which rows come back.
SELECT id, title
FROM (
    SELECT id, title,
           setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', body), 'B') AS doc,
           plainto_tsquery('english', 'restoring backups') AS q
    FROM articles
) s
WHERE doc @@ q AND ts_rank(doc, q) >= 0
ORDER BY id;
