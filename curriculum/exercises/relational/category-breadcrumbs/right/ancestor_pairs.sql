-- One recursion: every (category, ancestor-or-self, distance) pair serves path, depth and units.
WITH RECURSIVE anc AS (
    SELECT category_id AS node, category_id AS ancestor, parent_id AS ancestor_parent, 0 AS dist
    FROM categories
  UNION ALL
    SELECT a.node, c.category_id, c.parent_id, a.dist + 1
    FROM anc a JOIN categories c ON c.category_id = a.ancestor_parent
),
per_category AS (
    SELECT category_id, sum(units_sold) AS units FROM products GROUP BY category_id
)
SELECT n.node AS category_id,
       string_agg(c.name, ' > ' ORDER BY n.dist DESC) AS path,
       count(*) AS depth,
       (SELECT coalesce(sum(pc.units), 0)
          FROM anc below JOIN per_category pc ON pc.category_id = below.node
         WHERE below.ancestor = n.node) AS units_in_subtree
FROM anc n
JOIN categories c ON c.category_id = n.ancestor
GROUP BY n.node
ORDER BY n.node;
