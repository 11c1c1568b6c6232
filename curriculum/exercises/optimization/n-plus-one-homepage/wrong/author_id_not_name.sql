SELECT id, title, author_id FROM posts ORDER BY created_at DESC, id DESC LIMIT 20;
