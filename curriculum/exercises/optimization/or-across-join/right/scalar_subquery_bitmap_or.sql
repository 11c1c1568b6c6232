-- Look the author up first; then both conditions are on posts, and a BitmapOr combines two indexes.
SELECT p.id, p.title
FROM posts p
WHERE p.author_id = (SELECT id FROM authors WHERE email = 'author7@example.com')
   OR p.slug = 'post-123'
ORDER BY p.id;
