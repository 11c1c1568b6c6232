-- Nordbrew's sales mart (a small star schema). Amounts are integer cents.
CREATE TABLE dim_store (
    store_key integer PRIMARY KEY,
    city      text NOT NULL,
    region    text NOT NULL
);

CREATE TABLE fact_sales (
    sold_on      date NOT NULL,
    store_key    integer NOT NULL REFERENCES dim_store,
    product_key  integer NOT NULL,
    quantity     integer NOT NULL,
    amount_cents bigint NOT NULL
);

INSERT INTO dim_store VALUES
    (1, 'Oslo', 'north'), (2, 'Tromso', 'north'), (3, 'Bergen', 'west'),
    (4, 'Stavanger', 'west'), (5, 'Kristiansand', 'south');

INSERT INTO fact_sales
SELECT DATE '2024-11-01' + (i * 7) % 61,
       1 + (i * 3) % 5,
       1 + (i * 5) % 7,
       1 + i % 3,
       (1 + i % 3) * (ARRAY[4990, 3490, 8900, 5990, 1995, 5000, 3333])[1 + (i * 5) % 7]
FROM generate_series(1, 500) AS i;
