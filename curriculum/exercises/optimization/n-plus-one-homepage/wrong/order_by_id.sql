-- "Newest" taken as the highest id.
SELECT p.id, p.title, a.name
FROM posts p JOIN authors a ON a.id = p.author_id
ORDER BY p.id DESC
LIMIT 20;
