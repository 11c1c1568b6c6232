-- The coupons table as the first version of the shop created it: columns, no rules.
CREATE TABLE customers (
    customer_id integer PRIMARY KEY,
    email       text NOT NULL UNIQUE
);
CREATE TABLE coupons (
    coupon_id        integer PRIMARY KEY,
    code             text,
    percent_off      integer,
    amount_off_cents integer,
    valid_from       date,
    valid_until      date,            -- NULL: no end date
    customer_id      integer REFERENCES customers,   -- NULL: anyone may use it
    is_active        boolean
);
INSERT INTO customers VALUES (1, 'ana@example.com'), (2, 'bruno@example.com'), (3, 'chen@example.com');
INSERT INTO coupons VALUES
 (1, 'SPRING10',  10,   NULL, '2024-03-01', '2024-03-31', NULL, false),
 (2, 'Welcome5',  NULL, 500,  '2024-01-01', NULL,         NULL, true),
 (3, 'ANA-BDAY',  25,   NULL, '2024-05-02', '2024-05-09', 1,    true),
 (4, 'ANA-2023',  15,   NULL, '2023-05-02', '2023-05-09', 1,    false),
 (5, 'BRUNO-VIP', NULL, 2000, '2024-02-01', '2024-12-31', 2,    true);
