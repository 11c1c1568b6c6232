-- A catalogue that stores a product's tags as one comma-separated string: not 1NF.
CREATE TABLE products (
    sku        text PRIMARY KEY,
    name       text NOT NULL,
    list_price numeric(10,2) NOT NULL,
    tags       text                     -- e.g. 'Audio, Gifts'; NULL or '' when untagged
);
INSERT INTO products VALUES
 ('HP-100', 'Studio headphones',   89.00, 'Audio, Gifts'),
 ('SP-200', 'Bluetooth speaker',   49.50, 'Audio'),
 ('CB-300', 'USB-C cable',          9.90, 'Accessories,Cables'),
 ('KB-400', 'Mechanical keyboard', 120.00, 'Accessories, Gifts,  Office'),
 ('MS-500', 'Wireless mouse',      25.00, NULL);
