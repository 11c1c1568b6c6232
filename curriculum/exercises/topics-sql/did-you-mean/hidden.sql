TRUNCATE products;
INSERT INTO products VALUES
    (101, 'Espresso Machine Deluxe'),
    (102, 'Lever Espresso Machine'),
    (103, 'Espressso Machine'),
    (104, 'Press Machine'),
    (105, 'Espresso'),
    (106, 'Machine'),
    (107, 'Drip Coffee Machine'),
    (108, 'Expresso Machine'),
    (109, 'Espresso Knock Box'),
    (110, 'Water Filter'),
    (111, 'Portable Espresso Maker'),
    (112, 'Espresso Machine Deluxe'),
    (113, 'Sewing Machine'),
    (114, 'Spresso Machin');
