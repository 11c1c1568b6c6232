-- prefetch_related style: the page, then its authors in one batch. Two round trips.
SELECT id, author_id, title FROM posts ORDER BY created_at DESC, id DESC LIMIT 20;
SELECT p.id, p.title, a.name
FROM posts p JOIN authors a ON a.id = p.author_id
ORDER BY p.created_at DESC, p.id DESC LIMIT 20;
