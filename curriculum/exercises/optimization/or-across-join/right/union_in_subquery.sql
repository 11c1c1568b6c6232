SELECT id, title FROM (
    SELECT p.id, p.title FROM posts p
    WHERE p.author_id IN (SELECT a.id FROM authors a WHERE a.email = 'author7@example.com')
    UNION
    SELECT id, title FROM posts WHERE slug = 'post-123'
) AS found
ORDER BY id;
