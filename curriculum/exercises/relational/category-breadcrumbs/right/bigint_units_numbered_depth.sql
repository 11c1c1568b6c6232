WITH RECURSIVE walk AS (
    SELECT c.category_id, c.name::text AS path, 0 AS lvl
    FROM categories c WHERE c.parent_id IS NULL
  UNION ALL
    SELECT c.category_id, w.path || ' > ' || c.name, w.lvl + 1
    FROM walk w, categories c WHERE c.parent_id = w.category_id
),
reach AS (
    SELECT c.category_id AS top_id, c.category_id AS id FROM categories c
  UNION ALL
    SELECT r.top_id, c.category_id FROM reach r, categories c WHERE c.parent_id = r.id
)
SELECT w.category_id, w.path, w.lvl + 1 AS depth,
       (SELECT coalesce(sum(p.units_sold::bigint), 0)
          FROM reach r JOIN products p ON p.category_id = r.id
         WHERE r.top_id = w.category_id) AS units_in_subtree
FROM walk w
ORDER BY w.category_id ASC;
