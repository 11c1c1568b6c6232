CREATE INDEX CONCURRENTLY readings_brin_16 ON sensor_readings USING brin (reading_at) WITH (pages_per_range = 16);
