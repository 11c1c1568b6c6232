-- Larkspur Goods: a small online shop selling kitchen and home products in several countries.
-- Prices are stored in integer cents, as the payment provider reports them.

CREATE TABLE customers (
    customer_id integer PRIMARY KEY,
    name        text NOT NULL,
    email       text NOT NULL UNIQUE,
    country     text,                      -- ISO code; NULL when the customer never gave one
    created_at  date NOT NULL
);

CREATE TABLE products (
    product_id  integer PRIMARY KEY,
    name        text NOT NULL,
    category    text NOT NULL,
    price_cents integer NOT NULL CHECK (price_cents >= 0)   -- today's catalogue price
);

CREATE TABLE orders (
    order_id    integer PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES customers,
    ordered_at  timestamp NOT NULL,
    status      text NOT NULL CHECK (status IN ('pending', 'paid', 'cancelled'))
);

CREATE TABLE order_items (
    order_id         integer NOT NULL REFERENCES orders ON DELETE CASCADE,
    line_no          integer NOT NULL,
    product_id       integer REFERENCES products ON DELETE SET NULL,  -- NULL: product since removed
    quantity         integer NOT NULL CHECK (quantity > 0),
    unit_price_cents integer NOT NULL CHECK (unit_price_cents >= 0),  -- the price actually paid
    PRIMARY KEY (order_id, line_no)
);

-- ---------------------------------------------------------------- generated bulk

INSERT INTO customers
SELECT i,
       (ARRAY['Anna', 'Ben', 'Clara', 'David', 'Elif', 'Felix', 'Greta', 'Hugo',
              'Ines', 'Jonas', 'Katja', 'Luis'])[1 + i % 12]
       || ' ' ||
       (ARRAY['Almeida', 'Becker', 'Costa', 'Dubois', 'Eriksen', 'Fischer', 'Garcia',
              'Hoffmann', 'Martin', 'Novak'])[1 + (i * 7) % 10],
       'customer' || i || '@example.com',
       CASE WHEN i % 17 = 0 THEN NULL
            ELSE (ARRAY['DE', 'FR', 'US', 'PT'])[1 + i % 4] END,
       DATE '2022-01-01' + (i * 11) % 700
FROM generate_series(1, 80) AS i;

INSERT INTO products
SELECT i,
       (ARRAY['Chef knife', 'Cast-iron pan', 'Linen towel', 'Teapot', 'Cutting board',
              'Pepper mill', 'Espresso cup', 'Salad bowl'])[1 + i % 8] || ' ' || i,
       (ARRAY['knives', 'cookware', 'textiles', 'tableware'])[1 + i % 4],
       499 + (i * 1373) % 8000
FROM generate_series(1, 24) AS i;

INSERT INTO orders
SELECT i,
       1 + (i * 37 + i / 9) % 80,
       TIMESTAMP '2024-01-01 08:00' + ((i * 29) % 365) * INTERVAL '1 day' + (i % 12) * INTERVAL '1 hour',
       CASE WHEN i % 10 = 0 THEN 'cancelled' WHEN i % 7 = 0 THEN 'pending' ELSE 'paid' END
FROM generate_series(1, 300) AS i;

-- one to three lines per order; every sixth order was paid with a 15% discount
INSERT INTO order_items
SELECT o.order_id, k,
       p.product_id,
       1 + (o.order_id * o.order_id + k * 5) % 4,
       CASE WHEN o.order_id % 6 = 0 THEN p.price_cents * 85 / 100 ELSE p.price_cents END
FROM orders o
CROSS JOIN LATERAL generate_series(1, 1 + o.order_id % 3) AS k
JOIN products p ON p.product_id = 1 + (o.order_id * 5 + k * 11) % 24;

-- catalogue prices went up 8% after the orders above were placed
UPDATE products SET price_cents = price_cents * 108 / 100;

-- ---------------------------------------------------------------- hand-picked cases

INSERT INTO products VALUES
    (90, 'Copper kettle', 'cookware', 8900),
    (91, 'Ceramic vase', 'tableware', 3125),
    (92, 'Bread knife', 'knives', 4999),
    (93, 'Oak bar stool', 'furniture', 30000);

INSERT INTO customers VALUES
    -- Ireland: ties at the top and at third place
    (101, 'Aoife Byrne',   'aoife@example.ie',   'IE', '2023-02-01'),
    (102, 'Ciaran Walsh',  'ciaran@example.ie',  'IE', '2023-02-03'),
    (103, 'Niamh Kelly',   'niamh@example.ie',   'IE', '2023-03-10'),
    (104, 'Sean Murphy',   'sean@example.ie',    'IE', '2023-04-22'),
    (105, 'Roisin Doyle',  'roisin@example.ie',  'IE', '2023-05-30'),
    -- Belgium: one buyer, one customer who only cancelled, one who never ordered
    (201, 'Lotte Peeters', 'lotte@example.be',   'BE', '2023-06-01'),
    (202, 'Jan Janssens',  'jan@example.be',     'BE', '2023-06-02'),
    (203, 'Emma Maes',     'emma@example.be',    'BE', '2023-06-03'),
    -- guest checkouts never store a country
    (301, 'Guest Checkout', 'guest@example.com', NULL, '2023-01-01');

INSERT INTO orders VALUES
    (1001, 101, '2024-03-02 10:15', 'paid'),
    (1002, 101, '2024-09-14 19:40', 'paid'),
    (1003, 102, '2024-05-05 12:00', 'paid'),
    (1004, 103, '2024-02-11 09:30', 'paid'),
    (1005, 104, '2024-07-07 21:05', 'paid'),
    (1006, 105, '2024-08-01 08:00', 'paid'),
    (1007, 105, '2024-12-20 17:45', 'pending'),
    (1008, 105, '2024-10-10 11:11', 'cancelled'),
    (1009, 201, '2024-04-04 14:00', 'paid'),
    (1010, 202, '2024-04-05 15:00', 'cancelled'),
    (1011, 301, '2024-06-06 16:00', 'paid');

INSERT INTO order_items VALUES
    (1001, 1, 90, 2, 8900), (1001, 2, 91, 1, 7200),            -- 250.00
    (1002, 1, 90, 2, 12500),                                    -- 250.00
    (1003, 1, 92, 4, 5000), (1003, 2, 93, 1, 30000),           -- 200.00 + 300.00 (93 removed below)
    (1004, 1, 91, 3, 3125), (1004, 2, 92, 4, 5467),            -- 93.75 + 218.68 = 312.43
    (1005, 1, 90, 1, 31243),                                    -- 312.43
    (1006, 1, 91, 1, 9999),                                     -- 99.99
    (1007, 1, 90, 12, 8900),                                    -- pending: not revenue yet
    (1008, 1, 92, 5, 4999),                                     -- cancelled
    (1009, 1, 91, 1, 3125), (1009, 2, 92, 1, 1425),            -- 45.50
    (1010, 1, 90, 3, 8900),                                     -- cancelled
    (1011, 1, 90, 30, 8900);                                    -- big, but no country

-- two products were taken out of the catalogue; their order lines keep the price paid
DELETE FROM products WHERE product_id IN (24, 93);
