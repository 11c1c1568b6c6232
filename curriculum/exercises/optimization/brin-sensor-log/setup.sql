-- A sensor log: 50 sensors take turns, one reading every ten seconds, appended in time order
-- and never updated. 600,000 readings (about 70 days). There is no index yet.
CREATE TABLE sensor_readings (
    reading_at timestamptz NOT NULL,
    sensor_id  integer NOT NULL,
    value      double precision NOT NULL
);
INSERT INTO sensor_readings
SELECT timestamptz '2024-01-01 00:00+00' + g * interval '10 seconds',
       g % 50,
       20 + ((g::bigint * 7919) % 1000) / 100.0
FROM generate_series(0, 599999) AS g;
