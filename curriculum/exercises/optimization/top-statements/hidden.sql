-- Another server: two statements tie on total time, the busiest statement is split over three
-- roles, and a slow report has a huge mean but a small total.
TRUNCATE pg_stat_statements;
INSERT INTO pg_stat_statements
SELECT userid, 5, true, queryid, 'q' || queryid, calls, total, 0, 0, total / calls, 0, calls, 0, 0, 0
FROM (VALUES
    (10, 101, 1000, 500.0),
    (11, 101, 3000, 1500.0),
    (12, 101, 6000, 1000.0),
    (10, 202, 10, 2500.0),
    (10, 303, 50, 1200.0),
    (11, 303, 150, 1300.0),
    (10, -404, 2000, 2500.0),
    (10, 505, 1, 2400.0),
    (10, 606, 400, 100.0),
    (11, 707, 900, 90.0),
    (10, 808, 70000, 70.0)
) AS s(userid, queryid, calls, total);
