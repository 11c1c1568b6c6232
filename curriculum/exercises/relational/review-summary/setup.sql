CREATE TABLE products (
    product_id integer PRIMARY KEY,
    sku        text NOT NULL UNIQUE,
    name       text NOT NULL
);
CREATE TABLE reviews (
    product_id  integer NOT NULL REFERENCES products,
    customer_id integer NOT NULL,
    rating      integer CHECK (rating BETWEEN 1 AND 5),   -- NULL = text-only review
    PRIMARY KEY (product_id, customer_id)
);
INSERT INTO products VALUES
 (1, 'HP-100', 'Studio headphones'),
 (2, 'SP-200', 'Bluetooth speaker'),
 (3, 'CB-300', 'USB-C cable'),
 (4, 'KB-400', 'Mechanical keyboard'),
 (5, 'MS-500', 'Wireless mouse');
INSERT INTO reviews VALUES
 (1, 1, 5), (1, 3, 4), (1, 4, 4),
 (2, 2, 4), (2, 1, NULL),             -- one text-only review
 (3, 2, 2),
 (5, 3, NULL), (5, 4, NULL);          -- text-only reviews, no rating at all
-- KB-400 has no reviews.
