-- Other products: some lack a material, one has "oak" under another key, one is JSON null.
TRUNCATE products;
INSERT INTO products VALUES
    (1, 'A-1', 100, '{"color": "oak", "material": "steel"}'),
    (2, 'A-2', 100, '{"color": "oak"}'),
    (3, 'A-3', 100, '{"color": "steel", "material": "oak"}'),
    (4, 'A-4', 100, '{"trim": "oak", "color": "black", "material": "steel"}'),
    (5, 'A-5', 100, '{"color": "oak", "material": "steel", "outdoor": true, "legs": 4}'),
    (6, 'A-6', 100, '{"color": null, "material": "steel"}'),
    (7, 'A-7', 100, '{"color": "Oak", "material": "Steel"}');
INSERT INTO products
SELECT 100 + g, 'B-' || g, 900,
       jsonb_build_object('color', CASE WHEN g % 3 = 0 THEN 'oak' ELSE 'pine' END,
                          'material', CASE WHEN g % 5 = 0 THEN 'steel' ELSE 'wood' END)
FROM generate_series(1, 3000) AS g;
