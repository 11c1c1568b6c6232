-- The batch (= ANY) inside the same statement: still one round trip.
WITH page AS MATERIALIZED (
    SELECT id, title, author_id, created_at FROM posts ORDER BY created_at DESC, id DESC LIMIT 20
)
SELECT page.id, page.title, a.name
FROM page
JOIN authors a ON a.id = ANY (ARRAY(SELECT author_id FROM page)) AND a.id = page.author_id
ORDER BY page.created_at DESC, page.id DESC;
