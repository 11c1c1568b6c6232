-- Another night: a smaller import, part of it already closed.
TRUNCATE tickets_import;
INSERT INTO tickets_import
SELECT 150000 + g, 5000 + g % 37, CASE WHEN g % 4 = 0 THEN 'closed' ELSE 'merged' END, 2,
       timestamptz '2024-06-01 00:00+00' + g * interval '3 seconds'
FROM generate_series(1, 25000) AS g;
