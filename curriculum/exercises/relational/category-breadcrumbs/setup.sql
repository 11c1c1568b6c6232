CREATE TABLE categories (
    category_id integer PRIMARY KEY,
    name        text NOT NULL,
    parent_id   integer REFERENCES categories
);
INSERT INTO categories VALUES
 (1, 'Electronics', NULL), (2, 'Audio', 1), (3, 'Headphones', 2), (4, 'Speakers', 2),
 (5, 'Computer accessories', 1), (6, 'Keyboards', 5), (7, 'Cables', 5),
 (8, 'Home', NULL), (9, 'Kitchen', 8), (10, 'Garden', 8);

CREATE TABLE products (
    product_id  integer PRIMARY KEY,
    sku         text NOT NULL UNIQUE,
    name        text NOT NULL,
    category_id integer NOT NULL REFERENCES categories,
    units_sold  integer NOT NULL
);
INSERT INTO products VALUES
 (1,  'HP-100', 'Studio headphones',     3,  340),
 (2,  'HP-110', 'Wireless earbuds',      3,  410),
 (3,  'SP-200', 'Bluetooth speaker',     4,  520),
 (4,  'AU-001', 'Audio gift card',       2,   30),   -- sits in Audio itself
 (5,  'KB-400', 'Mechanical keyboard',   6,   95),
 (6,  'CB-300', 'USB-C cable',           7, 1200),
 (7,  'KT-500', 'Espresso grinder',      9,   75);
-- Garden has no products yet.
