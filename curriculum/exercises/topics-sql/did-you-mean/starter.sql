-- Products whose name looks like 'expreso machne' (trigram similarity >= 0.35).
-- Columns: product_id, name, score (rounded to 2 decimals). Most similar first, then product_id.
SELECT product_id, name
FROM products
WHERE name ILIKE '%expreso machne%'
ORDER BY product_id;
