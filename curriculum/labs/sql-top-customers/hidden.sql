-- Runs after setup.sql, in the hidden database only: same tables, other rows.
-- Other countries and sizes, duplicate names inside one country, ties at first and at
-- third place, lines whose product was removed, customers with only pending or cancelled
-- orders, a country with no buyer at all, big spenders without a country.
TRUNCATE order_items, orders, products, customers;

INSERT INTO customers
SELECT i,
       (ARRAY['Marta', 'Paolo', 'Sven', 'Lucia', 'Pieter', 'Ingrid', 'Carlos', 'Giulia',
              'Lars', 'Sofia'])[1 + i % 10]
       || ' ' ||
       (ARRAY['Rossi', 'Lindqvist', 'de Vries', 'Lopez', 'Bianchi', 'Jansen', 'Nilsson',
              'Moreno'])[1 + (i * 3) % 8],
       'shopper' || i || '@example.org',
       CASE WHEN i % 13 = 0 THEN NULL
            ELSE (ARRAY['ES', 'IT', 'DE', 'SE', 'NL'])[1 + (i * 3) % 5] END,
       DATE '2021-06-01' + (i * 17) % 900
FROM generate_series(1, 120) AS i;

INSERT INTO products
SELECT i,
       (ARRAY['Olive wood spoon', 'Dutch oven', 'Apron', 'Wine glass', 'Mortar',
              'Butter dish'])[1 + i % 6] || ' ' || i,
       (ARRAY['utensils', 'cookware', 'textiles', 'tableware', 'utensils'])[1 + i % 5],
       350 + (i * 2113) % 9000
FROM generate_series(1, 30) AS i;

INSERT INTO orders
SELECT i,
       1 + (i * 53 + i / 11) % 120,
       TIMESTAMP '2023-07-01 07:30' + ((i * 41) % 500) * INTERVAL '1 day' + (i % 9) * INTERVAL '1 hour',
       CASE WHEN i % 9 = 0 THEN 'cancelled' WHEN i % 8 = 0 THEN 'pending' ELSE 'paid' END
FROM generate_series(1, 420) AS i;

-- one to four lines per order; every fifth order had a 20% discount
INSERT INTO order_items
SELECT o.order_id, k,
       p.product_id,
       1 + (o.order_id * 3 + k * k) % 5,
       CASE WHEN o.order_id % 5 = 0 THEN p.price_cents * 80 / 100 ELSE p.price_cents END
FROM orders o
CROSS JOIN LATERAL generate_series(1, 1 + o.order_id % 4) AS k
JOIN products p ON p.product_id = 1 + (o.order_id * 7 + k * 13) % 30;

UPDATE products SET price_cents = price_cents * 105 / 100;

INSERT INTO products VALUES
    (80, 'Azulejo trivet', 'tableware', 2450),
    (81, 'Cork board', 'utensils', 1999),
    (82, 'Fjord blanket', 'textiles', 12000),
    (83, 'Rye bread tin', 'cookware', 1500);

INSERT INTO customers VALUES
    -- Portugal: three customers called Maria Silva, and a tie at second place
    (501, 'Maria Silva',  'maria.silva@example.pt',   'PT', '2022-01-10'),
    (502, 'Maria Silva',  'msilva77@example.pt',      'PT', '2022-03-15'),
    (503, 'Maria Silva',  'maria.s@example.pt',       'PT', '2023-09-01'),
    (504, 'Joao Santos',  'joao@example.pt',          'PT', '2022-05-05'),
    (505, 'Ana Costa',    'ana.costa@example.pt',     'PT', '2022-06-06'),
    -- Norway: a tie at first place, the fourth-best must not show up
    (601, 'Ole Hansen',   'ole@example.no',           'NO', '2022-02-02'),
    (602, 'Kari Berg',    'kari@example.no',          'NO', '2022-02-03'),
    (603, 'Nils Dahl',    'nils@example.no',          'NO', '2022-02-04'),
    (604, 'Ola Nordmann', 'ola@example.no',           'NO', '2022-02-05'),
    -- Finland: nobody has paid yet
    (701, 'Aino Virtanen', 'aino@example.fi',         'FI', '2023-01-01'),
    (702, 'Eero Korhonen', 'eero@example.fi',         'FI', '2023-01-02'),
    -- Austria: a single buyer
    (801, 'Lena Gruber',  'lena@example.at',          'AT', '2023-03-03'),
    -- marketplace imports without a country
    (901, 'Wholesale Import', 'import@example.org',   NULL, '2021-01-01'),
    (902, 'Maria Silva',  'maria@example.org',        NULL, '2021-01-02');

INSERT INTO orders VALUES
    (5001, 501, '2024-01-15 10:00', 'paid'),
    (5002, 501, '2024-02-15 10:00', 'paid'),
    (5003, 502, '2024-03-15 10:00', 'paid'),
    (5004, 503, '2024-04-15 10:00', 'pending'),
    (5005, 504, '2024-05-15 10:00', 'paid'),
    (5006, 504, '2024-06-15 10:00', 'paid'),
    (5007, 504, '2024-07-15 10:00', 'cancelled'),
    (5008, 505, '2024-08-15 10:00', 'paid'),
    (6001, 601, '2024-01-20 12:00', 'paid'),
    (6002, 602, '2024-01-21 12:00', 'paid'),
    (6003, 602, '2024-01-22 12:00', 'paid'),
    (6004, 603, '2024-01-23 12:00', 'paid'),
    (6005, 604, '2024-01-24 12:00', 'paid'),
    (6006, 604, '2024-01-25 12:00', 'pending'),
    (7001, 701, '2024-03-01 09:00', 'pending'),
    (7002, 702, '2024-03-02 09:00', 'cancelled'),
    (8001, 801, '2024-04-01 18:00', 'paid'),
    (9001, 901, '2024-05-01 08:00', 'paid'),
    (9002, 902, '2024-05-02 08:00', 'paid');

INSERT INTO order_items VALUES
    (5001, 1, 80, 10, 2450), (5001, 2, 81, 5, 1999),              -- 245.00 + 99.95
    (5002, 1, 82, 3, 11905),                                       -- 357.15   => 702.10
    (5003, 1, 82, 5, 12001), (5003, 2, 83, 1, 5000),              -- 600.05 + 50.00 => 650.05
    (5004, 1, 82, 40, 12000),                                      -- pending
    (5005, 1, 80, 11, 2450), (5005, 2, 81, 1, 1999),              -- 269.50 + 19.99 = 289.49
    (5006, 1, 83, 4, 9014),                                        -- 360.56   => 650.05
    (5007, 1, 82, 20, 12000),                                      -- cancelled
    (5008, 1, 81, 6, 1999), (5008, 2, 81, 1, 3),                   -- 119.94 + 0.03 => 119.97
    (6001, 1, 82, 3, 12000), (6001, 2, 83, 1, 5001),              -- 360.00 + 50.01 => 410.01
    (6002, 1, 80, 4, 2450),                                        -- 98.00
    (6003, 1, 82, 2, 12000), (6003, 2, 81, 3, 1999), (6003, 3, 83, 1, 1204), -- 240.00 + 59.97 + 12.04 => 410.01
    (6004, 1, 83, 2, 10275),                                       -- 205.50
    (6005, 1, 81, 1, 10001),                                       -- 100.01
    (6006, 1, 82, 9, 12000),                                       -- pending
    (7001, 1, 82, 2, 12000),
    (7002, 1, 80, 1, 2450),
    (8001, 1, 80, 1, 2450), (8001, 2, 81, 2, 1999),               -- 64.48
    (9001, 1, 82, 50, 11000),
    (9002, 1, 82, 7, 12000);

-- removed from the catalogue: their lines keep the price paid, product_id becomes NULL
DELETE FROM products WHERE product_id IN (7, 83);
