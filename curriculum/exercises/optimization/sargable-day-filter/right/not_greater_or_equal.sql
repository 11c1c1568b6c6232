SELECT id, title, published_at FROM posts
WHERE published_at >= '2023-06-01'::timestamp
  AND NOT (published_at >= '2023-06-02'::timestamp)
ORDER BY published_at, id;
