-- A small keyboard shop. Stock is a counter per SKU; every successful checkout leaves one
-- row in reservations (the warehouse picks from that list).
CREATE TABLE products (
    sku          text PRIMARY KEY,
    name         text NOT NULL,
    price_cents  integer NOT NULL CHECK (price_cents > 0)
);

CREATE TABLE stock_levels (
    sku      text PRIMARY KEY REFERENCES products,
    on_hand  integer NOT NULL CHECK (on_hand >= 0)
);

CREATE TABLE reservations (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sku          text NOT NULL REFERENCES products,
    customer     text NOT NULL,
    qty          integer NOT NULL CHECK (qty > 0),
    reserved_at  timestamptz NOT NULL DEFAULT now()
);

INSERT INTO products VALUES
    ('KB-400', 'Limited edition mechanical keyboard', 24900),
    ('MS-210', 'Wireless mouse', 3900),
    ('PD-050', 'Desk pad', 1900);

INSERT INTO stock_levels VALUES ('KB-400', 5), ('MS-210', 120), ('PD-050', 300);

INSERT INTO reservations (sku, customer, qty, reserved_at) VALUES
    ('MS-210', 'dmitri', 1, '2024-11-29 09:12+00'),
    ('PD-050', 'dmitri', 2, '2024-11-29 09:12+00'),
    ('MS-210', 'yara',   3, '2024-11-29 09:40+00');

-- What the shop's dashboard shows: stock left, units reserved, number of reservations.
CREATE VIEW stock_report AS
SELECT s.sku, s.on_hand,
       coalesce(sum(r.qty), 0)::integer AS reserved,
       count(r.id)::integer AS orders
FROM stock_levels s
LEFT JOIN reservations r ON r.sku = s.sku
GROUP BY s.sku, s.on_hand;
