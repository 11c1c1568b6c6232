-- Runs after setup.sql, in the hidden database only: other regions and categories, a region
-- with sales only in 2023, a category only one region sells, uncategorised products in
-- several regions, odd cents.
TRUNCATE fact_sales, dim_product, dim_store;

INSERT INTO dim_store VALUES
    (10, 'Gothenburg', 'east'), (11, 'Malmo', 'east'), (12, 'Umea', 'central'),
    (13, 'Visby', 'islands'), (14, 'Lund', 'east');

INSERT INTO dim_product VALUES
    (20, 'Cold brew jar', 'accessories'), (21, 'Cupping spoon', 'accessories'),
    (22, 'Espresso machine', 'machines'), (23, 'Scale', 'tools'),
    (24, 'Sample pack', NULL), (25, 'Tamper', 'tools');

INSERT INTO fact_sales
SELECT DATE '2024-01-01' + (i * 11) % 366,
       (ARRAY[10, 11, 12, 14])[1 + i % 4],
       (ARRAY[20, 21, 22, 23, 24, 25])[1 + (i * 7) % 6],
       1 + i % 4,
       (1 + i % 4) * (ARRAY[1299, 349, 79900, 2499, 1, 1850])[1 + (i * 7) % 6] + i % 3
FROM generate_series(1, 400) AS i;

-- islands only sold in 2023, and a 2025 sale that must not count either
INSERT INTO fact_sales VALUES
    ('2023-06-01', 13, 22, 1, 79900),
    ('2023-12-31', 13, 24, 2, 200),
    ('2025-01-01', 10, 20, 1, 1299),
    ('2024-12-31', 13, 23, 1, 2499);
