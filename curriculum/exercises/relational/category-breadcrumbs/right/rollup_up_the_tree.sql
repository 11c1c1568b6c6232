-- Push every product's units up to each of its ancestors, then add them per category.
WITH RECURSIVE tree AS (
    SELECT category_id, name::text AS path, 1 AS depth FROM categories WHERE parent_id IS NULL
  UNION ALL
    SELECT c.category_id, t.path || ' > ' || c.name, t.depth + 1
    FROM categories c JOIN tree t ON c.parent_id = t.category_id
),
pushed AS (
    SELECT p.category_id AS receiver, p.units_sold FROM products p
  UNION ALL
    SELECT c.parent_id, x.units_sold
    FROM pushed x JOIN categories c ON c.category_id = x.receiver
    WHERE c.parent_id IS NOT NULL
)
SELECT t.category_id, t.path, t.depth,
       coalesce((SELECT sum(units_sold) FROM pushed WHERE receiver = t.category_id), 0)
FROM tree t
ORDER BY t.category_id;
