-- Other products: ties in the number of reviews, averages that need rounding, only
-- text-only reviews, several unreviewed products.
TRUNCATE reviews, products;
INSERT INTO products VALUES
 (10, 'A-10', 'Teapot'), (11, 'A-11', 'Kettle'), (12, 'A-12', 'Apron'),
 (13, 'A-13', 'Tray'),   (14, 'A-14', 'Spoon'),  (15, 'A-15', 'Whisk');
INSERT INTO reviews VALUES
 (10, 1, 5), (10, 2, 4), (10, 3, 4), (10, 4, NULL),     -- 13/3 = 4.333...
 (11, 1, 1), (11, 2, 2), (11, 5, 2), (11, 6, NULL),     -- 5/3 = 1.666...
 (12, 7, NULL),
 (14, 1, 3), (14, 9, 1);
