-- Walk UP from every category, prepending each parent's name, as breadcrumbs are built.
WITH RECURSIVE up AS (
    SELECT category_id AS start_id, parent_id AS next_id, name::text AS path, 1 AS depth
    FROM categories
  UNION ALL
    SELECT u.start_id, c.parent_id, c.name || ' > ' || u.path, u.depth + 1
    FROM up u JOIN categories c ON c.category_id = u.next_id
),
down AS (
    SELECT category_id AS top_id, category_id FROM categories
  UNION ALL
    SELECT d.top_id, c.category_id FROM down d JOIN categories c ON c.parent_id = d.category_id
),
units AS (
    SELECT d.top_id, sum(p.units_sold) AS units
    FROM down d JOIN products p ON p.category_id = d.category_id
    GROUP BY d.top_id
)
SELECT u.start_id, u.path, u.depth, coalesce(x.units, 0)
FROM up u
LEFT JOIN units x ON x.top_id = u.start_id
WHERE u.next_id IS NULL          -- the walk reached a root: the path is complete
ORDER BY u.start_id;
