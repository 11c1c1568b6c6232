-- The join is gone, but IN (subquery) inside an OR cannot become a semi-join.
SELECT p.id, p.title FROM posts p
WHERE p.author_id IN (SELECT id FROM authors WHERE email = 'author7@example.com')
   OR p.slug = 'post-123'
ORDER BY p.id;
