WITH page AS (
    SELECT id, title, author_id, created_at FROM posts
    ORDER BY created_at DESC, id DESC
    LIMIT 20
), page_authors AS (
    SELECT id, name FROM authors WHERE id IN (SELECT author_id FROM page)
)
SELECT page.id, page.title, page_authors.name AS author_name
FROM page JOIN page_authors ON page_authors.id = page.author_id
ORDER BY page.created_at DESC, page.id DESC;
