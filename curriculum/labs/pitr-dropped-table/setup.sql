-- Fernhill Outdoor's shop database as it was when last night's base backup was taken.
CREATE TABLE customers (
    id         int PRIMARY KEY,
    email      text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO customers (id, email) SELECT g, 'customer' || g || '@example.com' FROM generate_series(1, 400) g;

CREATE TABLE products (
    id    int PRIMARY KEY,
    sku   text NOT NULL UNIQUE,
    name  text NOT NULL,
    price numeric(10, 2) NOT NULL CHECK (price > 0),
    stock int NOT NULL CHECK (stock >= 0)
);
INSERT INTO products
SELECT g, 'FH-' || lpad(g::text, 4, '0'), 'product ' || g, 4.99 + (g % 40) * 2.5, 500
FROM generate_series(1, 120) g;

CREATE TABLE orders (
    id          int PRIMARY KEY,
    customer_id int NOT NULL REFERENCES customers,
    status      text NOT NULL CHECK (status IN ('pending', 'paid', 'shipped', 'cancelled')),
    placed_at   timestamptz NOT NULL DEFAULT now()
);
INSERT INTO orders (id, customer_id, status)
SELECT g, 1 + (g * 7919) % 400, CASE WHEN g <= 1700 THEN 'shipped' ELSE 'paid' END
FROM generate_series(1, 2000) g;

-- One to four lines per order (1 + id % 4).
CREATE TABLE order_items (
    order_id   int NOT NULL REFERENCES orders,
    line_no    int NOT NULL,
    product_id int NOT NULL REFERENCES products,
    quantity   int NOT NULL CHECK (quantity > 0),
    unit_price numeric(10, 2) NOT NULL,
    PRIMARY KEY (order_id, line_no)
);
INSERT INTO order_items
SELECT o, l, 1 + (o * 31 + l * 17) % 120, 1 + (o + l) % 3, 4.99 + ((o * 31 + l * 17) % 40) * 2.5
FROM generate_series(1, 2000) o, generate_series(1, 4) l
WHERE l <= 1 + o % 4;

CREATE TABLE payments (
    id           serial PRIMARY KEY,
    order_id     int NOT NULL REFERENCES orders,
    amount       numeric(10, 2) NOT NULL,
    provider_ref text NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO payments (order_id, amount, provider_ref)
SELECT o, 10 + o % 90, 'psp-' || o FROM generate_series(1, 2000) o;

-- A leftover copy from last month's data import: the cleanup job is meant to drop this one.
CREATE TABLE order_items_import (LIKE order_items);
INSERT INTO order_items_import SELECT * FROM order_items WHERE order_id <= 500;
