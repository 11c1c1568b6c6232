-- One branch per condition, each with its own index: authors.email (unique) then
-- posts_author_idx, and posts.slug (unique). UNION removes a post that matches both.
SELECT p.id, p.title
FROM posts p JOIN authors a ON a.id = p.author_id
WHERE a.email = 'author7@example.com'
UNION
SELECT p.id, p.title
FROM posts p
WHERE p.slug = 'post-123'
ORDER BY id;
