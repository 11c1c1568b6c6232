SELECT id, title, published_at FROM posts
WHERE extract(year FROM published_at) = 2023
  AND extract(month FROM published_at) = 6
  AND extract(day FROM published_at) = 1
ORDER BY published_at, id;
