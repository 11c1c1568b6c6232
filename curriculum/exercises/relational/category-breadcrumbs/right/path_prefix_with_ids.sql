-- Subtree by id-path prefix: '/1/2/' is below '/1/' (the trailing slash keeps 1 and 12 apart).
WITH RECURSIVE tree AS (
    SELECT category_id, name::text AS path, 1 AS depth, '/' || category_id || '/' AS idpath
    FROM categories WHERE parent_id IS NULL
  UNION ALL
    SELECT c.category_id, t.path || ' > ' || c.name, t.depth + 1, t.idpath || c.category_id || '/'
    FROM categories c JOIN tree t ON c.parent_id = t.category_id
)
SELECT t.category_id, t.path, t.depth,
       coalesce(sum(p.units_sold), 0) AS units_in_subtree
FROM tree t
LEFT JOIN tree below ON starts_with(below.idpath, t.idpath)
LEFT JOIN products p ON p.category_id = below.category_id
GROUP BY t.category_id, t.path, t.depth
ORDER BY t.category_id;
