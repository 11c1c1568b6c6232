-- Tollbooth CRM: customers.full_name is being renamed to display_name, expand/contract style.
CREATE TABLE customers (
    id        integer PRIMARY KEY,
    email     text NOT NULL UNIQUE,
    full_name text NOT NULL
);

INSERT INTO customers
SELECT i,
       'client' || i || '@example.com',
       (ARRAY['Ingrid', 'Tomasz', 'Amara', 'Yusuf', 'Mei', 'Pablo', 'Sigrid', 'Kwame'])[1 + i % 8]
       || ' ' ||
       (ARRAY['Solberg', 'Nowak', 'Okafor', 'Demir', 'Chen', 'Ortega', 'Haugen'])[1 + (i * 3) % 7]
FROM generate_series(1, 40) AS i;
