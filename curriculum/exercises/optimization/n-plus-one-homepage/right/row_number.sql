SELECT id, title, author_name
FROM (
    SELECT p.id, p.title, a.name AS author_name, p.created_at,
           row_number() OVER (ORDER BY p.created_at DESC, p.id DESC) AS position
    FROM posts p JOIN authors a ON a.id = p.author_id
) ranked
WHERE position <= 20
ORDER BY position;
