WITH RECURSIVE tree (category_id, depth, path) AS (
    SELECT category_id, 1, CAST(name AS text) FROM categories WHERE parent_id IS NULL
    UNION ALL
    SELECT c.category_id, t.depth + 1, concat(t.path, ' > ', c.name)
    FROM tree t INNER JOIN categories c ON c.parent_id = t.category_id
)
SELECT t.category_id, t.path, t.depth, s.units
FROM tree t
CROSS JOIN LATERAL (
    WITH RECURSIVE sub AS (
        SELECT t.category_id AS id
        UNION ALL
        SELECT c.category_id FROM categories c JOIN sub ON c.parent_id = sub.id
    )
    SELECT COALESCE(SUM(p.units_sold), 0) AS units
    FROM sub LEFT JOIN products p ON p.category_id = sub.id
) s
ORDER BY 1;
