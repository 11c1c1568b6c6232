-- Halyard Freight's dispatch database: the delayed standby starts from a base backup of it.
CREATE TABLE consignments (
    id          bigint PRIMARY KEY,
    customer_id int NOT NULL,
    origin      text NOT NULL,
    destination text NOT NULL,
    booked_at   timestamptz NOT NULL
);
INSERT INTO consignments
SELECT g, 1 + g % 120, (ARRAY['Rotterdam', 'Hamburg', 'Antwerp'])[1 + g % 3],
       (ARRAY['Lyon', 'Milan', 'Vienna', 'Prague'])[1 + g % 4],
       timestamptz '2024-02-01 06:00+00' + g * interval '7 minutes'
FROM generate_series(1, 1500) g;
