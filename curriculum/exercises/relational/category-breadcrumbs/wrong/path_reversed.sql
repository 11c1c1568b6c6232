-- Walks up but appends the parent at the end: Headphones > Audio > Electronics.
WITH RECURSIVE up AS (
    SELECT category_id AS start_id, parent_id AS next_id, name::text AS path, 1 AS depth FROM categories
  UNION ALL
    SELECT u.start_id, c.parent_id, u.path || ' > ' || c.name, u.depth + 1
    FROM up u JOIN categories c ON c.category_id = u.next_id
),
down AS (
    SELECT category_id AS top_id, category_id FROM categories
  UNION ALL
    SELECT d.top_id, c.category_id FROM down d JOIN categories c ON c.parent_id = d.category_id
)
SELECT u.start_id, u.path, u.depth,
       (SELECT coalesce(sum(p.units_sold), 0) FROM down d JOIN products p ON p.category_id = d.category_id
         WHERE d.top_id = u.start_id)
FROM up u WHERE u.next_id IS NULL
ORDER BY u.start_id;
