SELECT p.id, p.title, p.published_at
FROM posts p
WHERE p.published_at >= timestamp '2023-06-01 00:00:00'
  AND p.published_at < timestamp '2023-06-01 00:00:00' + interval '1 day'
ORDER BY p.published_at ASC, p.id ASC;
