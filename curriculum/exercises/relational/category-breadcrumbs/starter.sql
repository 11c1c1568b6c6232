-- One row per category: category_id, path, depth, units_in_subtree. Sort: category_id.
WITH RECURSIVE tree AS (
    SELECT category_id, 1 AS depth, name::text AS path
    FROM categories
    WHERE parent_id IS NULL            -- the anchor: the roots
  UNION ALL
    SELECT c.category_id, t.depth + 1, t.path   -- extend the path here
    FROM categories c
    JOIN tree t ON c.parent_id = t.category_id
)
SELECT category_id, path, depth
FROM tree
ORDER BY category_id;
