-- Replace the ORM's 21 queries with one statement.
SELECT id, author_id, title FROM posts ORDER BY created_at DESC, id DESC LIMIT 20;
