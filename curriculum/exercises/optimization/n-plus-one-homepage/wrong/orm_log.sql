-- The ORM's own traffic, pasted: one list query, then one query per post.
SELECT id, author_id, title FROM posts ORDER BY created_at DESC, id DESC LIMIT 20;
SELECT id, name FROM authors WHERE id = 1;
SELECT id, name FROM authors WHERE id = 964;
SELECT id, name FROM authors WHERE id = 927;
