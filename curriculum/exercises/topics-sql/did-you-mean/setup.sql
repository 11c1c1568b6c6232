-- Crema & Co., a coffee equipment shop. pg_trgm is installed for fuzzy matching.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE products (
    product_id integer PRIMARY KEY,
    name       text NOT NULL
);

INSERT INTO products VALUES
    (1,  'Espresso Machine'),
    (2,  'Espresso Machine Pro'),
    (3,  'Manual Espresso Maker'),
    (4,  'Espresso Cups (set of 4)'),
    (5,  'Express Kettle'),
    (6,  'Milk Frother'),
    (7,  'Coffee Machine Descaler'),
    (8,  'Burr Grinder'),
    (9,  'Pour-over Dripper'),
    (10, 'Espresso Tamper'),
    (11, 'Machine Cleaning Tablets'),
    (12, 'ESPRESSO MACHINE'),
    (13, 'Cold Brew Jar'),
    (14, 'Espresso Machine Mini');
