BEGIN;
SELECT p.id, p.title, a.name
FROM authors a RIGHT JOIN posts p ON p.author_id = a.id
ORDER BY p.created_at DESC, p.id DESC
LIMIT 20;
COMMIT;
