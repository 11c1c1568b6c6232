WITH RECURSIVE tree AS (
    SELECT category_id, 1 AS depth, name::text AS path FROM categories WHERE parent_id IS NULL
  UNION ALL
    SELECT c.category_id, t.depth + 1, t.path || ' > ' || c.name
    FROM categories c JOIN tree t ON c.parent_id = t.category_id
)
SELECT t.category_id, t.path, t.depth, coalesce(sum(p.units_sold), 0)
FROM tree t LEFT JOIN products p ON p.category_id = t.category_id
GROUP BY t.category_id, t.path, t.depth
ORDER BY t.category_id;
