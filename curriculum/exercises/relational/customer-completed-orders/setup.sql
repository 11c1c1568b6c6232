-- The lesson's shop, reduced to customers and orders.
CREATE TABLE customers (
    customer_id integer PRIMARY KEY,
    full_name   text NOT NULL,
    email       text NOT NULL UNIQUE,
    country     text
);
CREATE TABLE orders (
    order_id    integer PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES customers,
    status      text NOT NULL CHECK (status IN ('pending', 'paid', 'shipped', 'cancelled')),
    placed_on   date NOT NULL
);

INSERT INTO customers VALUES
 (1, 'Ana Silva',    'ana@example.com',   'PT'),
 (2, 'Bruno Keller', 'bruno@example.com', 'CH'),
 (3, 'Chen Wei',     'chen@example.com',  'TW'),
 (4, 'Dora Marsh',   'dora@example.com',  NULL),
 (5, 'Emeka Obi',    'emeka@example.com', 'NG');

INSERT INTO orders VALUES
 (101, 1, 'paid',      '2024-03-01'),
 (102, 1, 'paid',      '2024-03-05'),
 (103, 2, 'shipped',   '2024-03-06'),
 (104, 3, 'cancelled', '2024-03-07'),   -- Chen's only order was cancelled
 (105, 2, 'pending',   '2024-03-09'),   -- newer than Bruno's completed one, but not completed
 (106, 5, 'shipped',   '2024-02-11'),
 (107, 1, 'cancelled', '2024-03-10');
-- Dora never ordered.
