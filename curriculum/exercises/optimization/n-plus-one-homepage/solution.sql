-- One statement: the 20 newest posts joined to their authors. The ORDER BY and LIMIT are the
-- list query's; the join fetches every author in the same round trip.
SELECT p.id, p.title, a.name AS author_name
FROM posts AS p
JOIN authors AS a ON a.id = p.author_id
ORDER BY p.created_at DESC, p.id DESC
LIMIT 20;
