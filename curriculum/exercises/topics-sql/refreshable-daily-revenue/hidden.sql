-- Runs after setup.sql, in the hidden database only: other stores and regions, a region with
-- a single store, days without sales.
TRUNCATE fact_sales, dim_store;

INSERT INTO dim_store VALUES
    (10, 'Gothenburg', 'east'), (11, 'Malmo', 'east'), (12, 'Umea', 'central'),
    (1, 'Lund', 'east'), (2, 'Visby', 'islands'), (3, 'Kiruna', 'central');

INSERT INTO fact_sales
SELECT DATE '2024-12-01' + (i * 5) % 40,
       (ARRAY[10, 11, 12, 1, 2, 3])[1 + i % 6],
       1 + i % 4,
       1 + i % 2,
       (1 + i % 2) * (ARRAY[1299, 349, 79900, 2499])[1 + i % 4] + i % 7
FROM generate_series(1, 300) AS i;
