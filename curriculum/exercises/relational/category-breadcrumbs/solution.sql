-- tree: every category with its depth and path, walking down from the roots.
-- descendants: every (category, category at or below it) pair, walking down from each one.
WITH RECURSIVE tree AS (
    SELECT category_id, 1 AS depth, name::text AS path
    FROM categories
    WHERE parent_id IS NULL
  UNION ALL
    SELECT c.category_id, t.depth + 1, t.path || ' > ' || c.name
    FROM categories c
    JOIN tree t ON c.parent_id = t.category_id
),
descendants AS (
    SELECT category_id AS root_id, category_id
    FROM categories
  UNION ALL
    SELECT d.root_id, c.category_id
    FROM descendants d
    JOIN categories c ON c.parent_id = d.category_id
)
SELECT t.category_id,
       t.path,
       t.depth,
       coalesce(sum(p.units_sold), 0) AS units_in_subtree
FROM tree t
JOIN descendants d ON d.root_id = t.category_id
LEFT JOIN products p ON p.category_id = d.category_id
GROUP BY t.category_id, t.path, t.depth
ORDER BY t.category_id;
