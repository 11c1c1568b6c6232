CREATE TABLE customers (
    customer_id integer PRIMARY KEY,
    full_name   text NOT NULL,
    email       text NOT NULL UNIQUE
);
CREATE TABLE orders (
    order_id    integer PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES customers,
    status      text NOT NULL CHECK (status IN ('pending', 'paid', 'shipped', 'cancelled')),
    placed_on   date NOT NULL
);
CREATE TABLE order_items (
    order_id   integer NOT NULL REFERENCES orders,
    line_no    integer NOT NULL,
    sku        text NOT NULL,
    quantity   integer NOT NULL CHECK (quantity > 0),
    unit_price numeric(10,2) NOT NULL,
    PRIMARY KEY (order_id, line_no)
);

INSERT INTO customers VALUES
 (1, 'Ana Silva',    'ana@example.com'),
 (2, 'Bruno Keller', 'bruno@example.com'),
 (3, 'Chen Wei',     'chen@example.com'),
 (4, 'Dora Marsh',   'dora@example.com'),
 (5, 'Emeka Obi',    'emeka@example.com'),
 (6, 'Farah Haddad', 'farah@example.com');

INSERT INTO orders VALUES
 (101, 1, 'paid',      '2024-01-10'),
 (102, 1, 'shipped',   '2024-02-03'),
 (103, 1, 'cancelled', '2024-02-20'),
 (104, 2, 'paid',      '2024-03-01'),   -- Bruno: one order with three lines
 (105, 2, 'pending',   '2024-03-02'),
 (106, 3, 'paid',      '2023-11-30'),   -- Chen: only one of his orders is from 2024
 (107, 3, 'paid',      '2024-01-05'),
 (108, 4, 'shipped',   '2024-04-04'),
 (109, 4, 'paid',      '2024-04-05'),
 (110, 4, 'paid',      '2024-05-05'),
 (111, 5, 'cancelled', '2024-02-02'),
 (112, 5, 'cancelled', '2024-02-03'),
 (113, 6, 'paid',      '2024-06-01'),
 (114, 6, 'pending',   '2024-06-02');

INSERT INTO order_items VALUES
 (101, 1, 'HP-100', 1, 80.10), (101, 2, 'CB-300', 2, 9.90),
 (102, 1, 'SP-200', 1, 49.50),
 (103, 1, 'KB-400', 1, 120.00),
 (104, 1, 'SP-200', 2, 45.00), (104, 2, 'CB-300', 1, 9.90), (104, 3, 'HP-100', 1, 89.00),
 (105, 1, 'KB-400', 1, 120.00),
 (106, 1, 'HP-100', 1, 89.00),
 (107, 1, 'CB-300', 3, 9.90),
 (108, 1, 'KB-400', 1, 110.00),
 (109, 1, 'CB-300', 1, 9.90),
 (110, 1, 'SP-200', 1, 49.50), (110, 2, 'CB-300', 1, 9.90),
 (111, 1, 'HP-100', 1, 89.00),
 (112, 1, 'HP-100', 1, 89.00),
 (113, 1, 'KB-400', 1, 120.00),
 (114, 1, 'KB-400', 1, 120.00);
