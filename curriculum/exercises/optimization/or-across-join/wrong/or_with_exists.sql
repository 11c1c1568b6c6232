-- EXISTS inside an OR is a SubPlan run for every post, not a semi-join.
SELECT p.id, p.title FROM posts p
WHERE EXISTS (SELECT 1 FROM authors a WHERE a.id = p.author_id AND a.email = 'author7@example.com')
   OR p.slug = 'post-123'
ORDER BY p.id;
