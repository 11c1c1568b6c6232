-- A misspelling is not a substring: finds nothing.
SELECT product_id, name, 1.00 AS score
FROM products
WHERE name ILIKE '%expreso%' OR name ILIKE '%machne%'
ORDER BY product_id;
