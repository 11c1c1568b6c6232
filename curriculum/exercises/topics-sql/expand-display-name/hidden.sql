-- Runs after setup.sql, in the hidden database only: other customers (ids 1-3 exist, as the
-- grader's dual-write probe needs them), names with apostrophes, accents and spaces.
TRUNCATE customers;

INSERT INTO customers VALUES
    (1, 'ann@example.org',   'Ann O''Neill'),
    (2, 'bjorn@example.org', 'Björn Åkesson'),
    (3, 'chi@example.org',   'Chidi  Okeke'),
    (4, 'dana@example.org',  'Dana Levi'),
    (5, 'eli@example.org',   'Eli'),
    (6, 'fay@example.org',   'Fay Wong-Li');

INSERT INTO customers
SELECT i, 'bulk' || i || '@example.org', 'Bulk Customer ' || i
FROM generate_series(100, 160) AS i;
