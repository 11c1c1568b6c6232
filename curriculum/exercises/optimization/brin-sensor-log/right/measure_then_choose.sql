-- Check that the physical order follows time, then build the small index.
SELECT correlation FROM pg_stats WHERE tablename = 'sensor_readings' AND attname = 'reading_at';
CREATE INDEX sensor_readings_brin ON sensor_readings USING brin (reading_at);
SELECT pg_size_pretty(pg_relation_size('sensor_readings_brin'));
ANALYZE sensor_readings;
