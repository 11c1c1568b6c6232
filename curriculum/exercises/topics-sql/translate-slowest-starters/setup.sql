-- Lindqvist Outdoor's shop database, migrated from SQL Server to PostgreSQL.
CREATE TABLE customers (
    customer_id  integer PRIMARY KEY,
    first_name   text NOT NULL,
    last_name    text,                    -- NULL for some imported accounts
    signed_up_at timestamp NOT NULL
);

CREATE TABLE orders (
    order_id    integer PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES customers,
    ordered_at  timestamp NOT NULL
);

INSERT INTO customers VALUES
    (1, 'Astrid', 'Lind',    '2025-01-03 10:00'),
    (2, 'Bo',     NULL,      '2025-01-05 23:50'),   -- first order 10 minutes later, next day
    (3, 'Cecilia','Holm',    '2025-01-06 08:00'),
    (4, 'Dag',    'Berg',    '2025-01-10 12:00'),
    (5, 'Elin',   'Ek',      '2025-01-11 09:00'),   -- never ordered
    (6, 'Frida',  NULL,      '2025-01-12 22:00'),
    (7, 'Gustav', 'Sand',    '2025-01-15 07:30'),
    (8, 'Hanna',  'Strom',   '2025-01-20 18:00');   -- never ordered

INSERT INTO orders VALUES
    (101, 1, '2025-01-20 09:00'),   -- 17 days (boundaries), 16 whole days + 23h
    (102, 1, '2025-02-01 10:00'),
    (103, 2, '2025-01-06 00:00'),   -- 1 boundary, 10 minutes
    (104, 3, '2025-01-23 07:00'),   -- 17 days (boundaries), 16 whole days + 23h
    (105, 4, '2025-01-27 13:00'),   -- 17 days
    (106, 6, '2025-01-29 21:00'),   -- 17 days (boundaries), 16 whole days + 23h
    (107, 7, '2025-01-18 07:30'),   -- 3 days
    (108, 7, '2025-01-16 06:00');   -- first order: 1 day
