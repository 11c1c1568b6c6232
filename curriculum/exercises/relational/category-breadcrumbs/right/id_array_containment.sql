-- Carry the ids from the root in an array: a category is in X's subtree when X's id is in its array.
WITH RECURSIVE tree AS (
    SELECT category_id, ARRAY[category_id] AS ids, name::text AS path
    FROM categories WHERE parent_id IS NULL
  UNION ALL
    SELECT c.category_id, t.ids || c.category_id, t.path || ' > ' || c.name
    FROM categories c JOIN tree t ON t.category_id = c.parent_id
)
SELECT t.category_id, t.path, cardinality(t.ids) AS depth,
       (SELECT coalesce(sum(p.units_sold), 0)
          FROM products p JOIN tree below ON below.category_id = p.category_id
         WHERE t.category_id = ANY (below.ids)) AS units_in_subtree
FROM tree t
ORDER BY t.category_id;
