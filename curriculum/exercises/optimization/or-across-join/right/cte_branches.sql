WITH by_author AS (
    SELECT p.id, p.title FROM authors a JOIN posts p ON p.author_id = a.id
    WHERE a.email = 'author7@example.com'
), by_slug AS (
    SELECT id, title FROM posts WHERE slug = 'post-123'
)
SELECT * FROM by_author
UNION
SELECT * FROM by_slug
ORDER BY id;
