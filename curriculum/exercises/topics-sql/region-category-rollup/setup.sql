-- Nordbrew's sales mart: a small star schema. Amounts are integer cents.
CREATE TABLE dim_store (
    store_key integer PRIMARY KEY,
    city      text NOT NULL,
    region    text NOT NULL
);

CREATE TABLE dim_product (
    product_key integer PRIMARY KEY,
    name        text NOT NULL,
    category    text                 -- NULL: not categorised yet
);

CREATE TABLE fact_sales (
    sold_on      date NOT NULL,
    store_key    integer NOT NULL REFERENCES dim_store,
    product_key  integer NOT NULL REFERENCES dim_product,
    quantity     integer NOT NULL,
    amount_cents bigint NOT NULL
);

INSERT INTO dim_store VALUES
    (1, 'Oslo', 'north'), (2, 'Tromso', 'north'), (3, 'Bergen', 'west'),
    (4, 'Stavanger', 'west'), (5, 'Kristiansand', 'south');

INSERT INTO dim_product VALUES
    (1, 'Aeropress', 'brewers'), (2, 'Moka pot', 'brewers'), (3, 'Burr grinder', 'grinders'),
    (4, 'Gooseneck kettle', 'kettles'), (5, 'Mystery mug', NULL), (6, 'Gift card', NULL),
    (7, 'Hand grinder', 'grinders');

-- two years of sales; only 2024 is asked for
INSERT INTO fact_sales
SELECT DATE '2023-01-01' + (i * 7) % 730,
       1 + (i * 3) % 5,
       1 + (i * 5) % 7,
       1 + i % 3,
       (1 + i % 3) * (ARRAY[4990, 3490, 8900, 5990, 1995, 5000, 3333])[1 + (i * 5) % 7]
FROM generate_series(1, 600) AS i;
